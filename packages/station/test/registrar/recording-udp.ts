import type { Flow, SendTarget } from '@beckon/sip';

/**
 * A UDP flow from `remote` to the station and a transport, both recording what is sent: `onSend` learns
 * whether a datagram went back over the request's flow (`overFlow`) or to a target through the transport.
 */
export function recordingUdp(
  remote: { address: string; port: number },
  onSend: (data: Buffer, overFlow: boolean) => void,
): { flow: Flow; transport: { send(t: SendTarget | Flow, data: Buffer): Promise<{ ok: true }> } } {
  const flow: Flow = {
    id: `udp:127.0.0.1:5060>${remote.address}:${remote.port}`,
    transport: 'udp',
    local: { address: '127.0.0.1', port: 5060 },
    remote,
    secure: false,
    reliable: false,
    closed: false,
    send: (data) => {
      onSend(data, true);
      return { ok: true };
    },
    touch: () => undefined,
    setIdleTimeout: () => undefined,
    close: () => undefined,
  };
  const transport = {
    send(_t: SendTarget | Flow, data: Buffer) {
      onSend(data, false);
      return Promise.resolve({ ok: true as const });
    },
  };
  return { flow, transport };
}
