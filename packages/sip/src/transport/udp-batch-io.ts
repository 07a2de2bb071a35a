/**
 * Batched UDP system calls on a socket descriptor (Linux recvmmsg/sendmmsg), as the transport layer uses
 * them; the station plugs in an implementation (the `@beckon/udp-mmsg` native helper) where one is built.
 * Without one, UDP listeners use Node's dgram socket alone.
 *
 * Addresses are IPv4 only here, as 32-bit numbers in host order (127.0.0.1 is 0x7f000001).
 */
export interface UdpBatchIo {
  /**
   * Reads up to `max` datagrams without blocking into `scratch`, datagram i at offset i * slotSize. For
   * each, `meta` receives 7 numbers from i * 7: the length (slotSize + 1 when the datagram was longer than
   * the slot), the source port, the family (4 or 6), then the address words. Returns the number read, 0
   * when none is waiting, or a negative errno.
   */
  recv(fd: number, scratch: Buffer, slotSize: number, meta: Int32Array, max: number): number;
  /**
   * Writes `buffers[0..count)` without blocking, datagram i to the address in `meta` from i * 6: port,
   * family (4), IPv4 address. Returns the number written (fewer when the socket's buffer filled or one
   * failed: the next call reports that one's error), or a negative errno for the first one.
   */
  send(fd: number, buffers: readonly Buffer[], meta: Int32Array, count: number): number;
  /**
   * Calls `onReadable` on this thread's event loop while `fd` is readable (level-triggered), until
   * `unwatch`. The argument is 0, or a negative errno when polling failed.
   */
  watch(fd: number, onReadable: (status: number) => void): UdpWatch;
  unwatch(watch: UdpWatch): void;
}

/** An opaque handle of `UdpBatchIo.watch`; it must be kept referenced while watching. */
export type UdpWatch = object;
