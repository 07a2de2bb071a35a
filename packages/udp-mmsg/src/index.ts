import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The native helper's functions (see src/udp_mmsg.c). The transport layer's `UdpBatchIo` interface is
 * what callers program against; this package only provides it.
 */
export interface UdpMmsg {
  recv(fd: number, scratch: Buffer, slotSize: number, meta: Int32Array, max: number): number;
  send(fd: number, buffers: readonly Buffer[], meta: Int32Array, count: number): number;
  watch(fd: number, onReadable: (status: number) => void): object;
  unwatch(watch: object): void;
  /** A new descriptor for the same socket (close-on-exec), or -errno: closing one leaves the other open. */
  dup(fd: number): number;
}

/** Why the helper is not available, or the helper. */
export type UdpMmsgLoad = { ok: true; io: UdpMmsg } | { ok: false; reason: string };

/**
 * Loads the compiled helper (built by `npm ci` through node-gyp: build/Release/udp_mmsg.node). Linux only
 * (recvmmsg and sendmmsg); elsewhere, or when the build failed, the reason is returned and UDP keeps
 * Node's dgram socket.
 */
export function loadUdpMmsg(): UdpMmsgLoad {
  if (process.platform !== 'linux') return { ok: false, reason: `not on Linux (${process.platform})` };
  const path = new URL('../build/Release/udp_mmsg.node', import.meta.url);
  if (!existsSync(path)) return { ok: false, reason: 'not built (npm ci builds it with node-gyp)' };
  try {
    const require = createRequire(import.meta.url);
    return { ok: true, io: require(path.pathname) as UdpMmsg };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
