/**
 * Datagrams a challenge thread hands to the main thread, packed for one `postMessage`: their bytes one after
 * the other in one ArrayBuffer, each followed by the Latin-1 bytes of its record when it has one (a
 * REGISTER the thread read and verified, see encodeScannedRegister), and per datagram four numbers in a
 * Uint32Array (end offset of the datagram in the bytes, end offset of its record, source port, index of the
 * source address in `addresses`). Both buffers are transferred, not copied, and the receiver takes each
 * datagram as a view of the bytes: no object, ArrayBuffer or copy per datagram on either side, which
 * structured cloning of one object per datagram cost (about 0.9 µs per datagram over both threads,
 * measured with 480-byte datagrams in batches of 32).
 */
export interface PackedDatagrams {
  readonly bytes: ArrayBuffer;
  /** [datagram end, record end, port, address index] per datagram, in arrival order. */
  readonly meta: Uint32Array;
  /** The distinct source addresses of the batch. */
  readonly addresses: readonly string[];
}

const META = 4;

/** The buffers to transfer with a batch (`postMessage(message, transferList(batch))`). */
export function transferList(batch: PackedDatagrams): ArrayBuffer[] {
  // The packer made `meta` over an ArrayBuffer of its own (never a SharedArrayBuffer).
  return [batch.bytes, batch.meta.buffer as ArrayBuffer];
}

/** Collects datagrams in arrival order and packs them (thread side). */
export class DatagramBatchPacker {
  private parts: Buffer[] = [];
  private records: (string | undefined)[] = [];
  private ports: number[] = [];
  private addressIndexes: number[] = [];
  private addresses: string[] = [];
  private bytesLength = 0;

  get length(): number {
    return this.parts.length;
  }

  /**
   * Adds one datagram (kept by reference until `take`: the caller must not reuse its memory before), with
   * its record when it has one (Latin-1 text: every character below 256).
   */
  add(data: Buffer, address: string, port: number, record?: string): void {
    // A batch comes mostly from a few peers (an SBC, a load generator): a short linear search is enough.
    let a = this.addresses.lastIndexOf(address);
    if (a < 0) a = this.addresses.push(address) - 1;
    this.parts.push(data);
    this.records.push(record);
    this.ports.push(port);
    this.addressIndexes.push(a);
    this.bytesLength += data.length + (record?.length ?? 0);
  }

  /** The batch packed, and an empty packer; undefined when nothing was added. */
  take(): PackedDatagrams | undefined {
    const n = this.parts.length;
    if (n === 0) return undefined;
    const bytes = new ArrayBuffer(this.bytesLength);
    const view = Buffer.from(bytes);
    const meta = new Uint32Array(n * META);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const p = this.parts[i] as Buffer;
      view.set(p, at);
      at += p.length;
      meta[i * META] = at;
      const r = this.records[i];
      if (r !== undefined) at += view.write(r, at, 'latin1');
      meta[i * META + 1] = at;
      meta[i * META + 2] = this.ports[i] as number;
      meta[i * META + 3] = this.addressIndexes[i] as number;
    }
    const out: PackedDatagrams = { bytes, meta, addresses: this.addresses };
    this.parts = [];
    this.records = [];
    this.ports = [];
    this.addressIndexes = [];
    this.addresses = [];
    this.bytesLength = 0;
    return out;
  }
}

/**
 * The datagrams of a packed batch (main side), each as a view of the batch's bytes, in arrival order, with
 * its record when it has one.
 */
export function unpackDatagrams(
  batch: PackedDatagrams,
  each: (data: Buffer, address: string, port: number, record: string | undefined) => void,
): void {
  const { bytes, meta, addresses } = batch;
  const all = Buffer.from(bytes);
  let start = 0;
  for (let i = 0; i + META - 1 < meta.length; i += META) {
    const end = meta[i] as number;
    const recordEnd = meta[i + 1] as number;
    const address = addresses[meta[i + 3] as number];
    // A batch is made by our own thread; a malformed one (a bug) is skipped, not read out of bounds.
    if (end < start || recordEnd < end || recordEnd > bytes.byteLength || address === undefined) return;
    const record = recordEnd > end ? all.toString('latin1', end, recordEnd) : undefined;
    each(all.subarray(start, end), address, meta[i + 2] as number, record);
    start = recordEnd;
  }
}
