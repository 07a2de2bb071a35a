export * from './transport-types.js';
export * from './transport-layer.js';
export * from './stream-framer-lite.js';
export { StreamFlow } from './stream-flow.js';
export { UdpFlow } from './udp-listener.js';
export type { ConnectionFlow } from './connection-flow.js';
export { WsFlow } from './ws-flow.js';
export {
  WsFrameDecoder,
  encodeWsFrame,
  WsOpcode,
  type WsFrameSink,
  type WsDecodeError,
} from './ws-frame-codec.js';
export { wsAcceptKey, SIP_WS_PROTOCOL } from './ws-handshake.js';
export * from './stun-keepalive.js';
export {
  UdpListener,
  type SendOffload,
  type UdpListenerInit,
  type Upstream as UdpListenerUpstream,
} from './udp-listener.js';
export type { UdpBatchIo, UdpWatch } from './udp-batch-io.js';
export { UdpBatchSocket } from './udp-batch-socket.js';
export { TransportMetrics, TransportCounters } from './transport-metrics.js';
