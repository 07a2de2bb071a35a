import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { closeSync } from 'node:fs';
import { loadUdpMmsg, type UdpMmsg } from '../src/index.js';

// In CI the helper must have been built by `npm ci`; elsewhere these tests are skipped without it.
const loaded = loadUdpMmsg();
const skip = loaded.ok ? false : process.env['CI'] ? false : `helper not built: ${loaded.reason}`;

function io(): UdpMmsg {
  if (!loaded.ok) throw new Error(`the udp-mmsg helper did not load: ${loaded.reason}`);
  return loaded.io;
}

interface Handle {
  fd?: number;
  recvStop(): number;
}

/** The internal handle of a bound dgram socket (Node keeps the descriptor there). */
function handleOf(s: dgram.Socket): Handle {
  const key = Object.getOwnPropertySymbols(s).find((k) => k.description === 'state symbol');
  const handle = key && (s as unknown as Record<symbol, { handle?: Handle }>)[key]?.handle;
  if (!handle) throw new Error('no handle');
  return handle;
}

function fdOf(s: dgram.Socket): number {
  const fd = handleOf(s).fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no descriptor');
  return fd;
}

/** The descriptor of `s`, which Node stops reading (the helper reads it). */
function quietFd(s: dgram.Socket): number {
  handleOf(s).recvStop();
  return fdOf(s);
}

async function bound(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

/**
 * A receiving socket that Node stops reading (its descriptor goes to `body`, for the helper to read) and a
 * sending one, both closed afterwards.
 */
async function withReceiver(
  body: (fd: number, rx: dgram.Socket, tx: dgram.Socket) => Promise<void>,
): Promise<void> {
  const rx = await bound();
  const tx = await bound();
  try {
    await body(quietFd(rx), rx, tx);
  } finally {
    rx.close();
    tx.close();
  }
}

const LOCALHOST = 0x7f000001;
const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

void test('udp-mmsg: the helper loads (npm ci builds it)', { skip }, () => {
  assert.equal(loaded.ok, true, loaded.ok ? '' : loaded.reason);
});

void test(
  'udp-mmsg: send writes a batch in order, each to its own destination, read by Node dgram',
  { skip },
  async () => {
    const a = await bound();
    const b = await bound();
    const c = await bound();
    try {
      const got: string[] = [];
      b.on('message', (m, r) => got.push(`b:${m.toString()}:${r.port}`));
      c.on('message', (m) => got.push(`c:${m.toString()}`));
      const meta = new Int32Array(6 * 3);
      const dests = [b, c, b].map((s) => s.address().port);
      dests.forEach((port, i) => {
        meta[i * 6] = port;
        meta[i * 6 + 1] = 4;
        meta[i * 6 + 2] = LOCALHOST;
      });
      const n = io().send(fdOf(a), [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')], meta, 3);
      assert.equal(n, 3);
      await until(() => got.length === 3);
      const from = a.address().port;
      assert.deepEqual(got.sort(), [`b:one:${from}`, `b:three:${from}`, 'c:two']);
    } finally {
      a.close();
      b.close();
      c.close();
    }
  },
);

void test(
  'udp-mmsg: recv reads what is waiting with length, source port and address; 0 when nothing waits',
  { skip },
  () =>
    withReceiver(async (fd, rx, tx) => {
      const slot = 16;
      const scratch = Buffer.alloc(slot * 8);
      const meta = new Int32Array(7 * 8);
      assert.equal(io().recv(fd, scratch, slot, meta, 8), 0);
      const port = rx.address().port;
      for (const text of ['hello', 'x'.repeat(40), 'bye']) tx.send(text, port, '127.0.0.1');
      let n = 0;
      await until(
        () => (n += io().recv(fd, scratch.subarray(n * slot), slot, meta.subarray(n * 7), 8 - n)) >= 3,
      );
      assert.equal(n, 3);
      const txPort = tx.address().port;
      assert.deepEqual(Array.from(meta.subarray(0, 4)), [5, txPort, 4, LOCALHOST]);
      assert.equal(scratch.subarray(0, 5).toString(), 'hello');
      // Longer than the slot: reported as slot + 1 (truncated).
      assert.equal(meta[7], slot + 1);
      assert.equal(meta[14], 3);
      assert.equal(scratch.subarray(2 * slot, 2 * slot + 3).toString(), 'bye');
    }),
);

void test(
  'udp-mmsg: watch calls back while readable, unwatch stops it and a closed watch stays closed',
  { skip },
  () =>
    withReceiver(async (fd, rx, tx) => {
      const scratch = Buffer.alloc(2048 * 4);
      const meta = new Int32Array(7 * 4);
      const read: string[] = [];
      const w = io().watch(fd, (status) => {
        assert.equal(status, 0);
        const n = io().recv(fd, scratch, 2048, meta, 4);
        for (let i = 0; i < n; i++)
          read.push(scratch.subarray(i * 2048, i * 2048 + (meta[i * 7] as number)).toString());
      });
      tx.send('ping', rx.address().port, '127.0.0.1');
      await until(() => read.length === 1);
      assert.deepEqual(read, ['ping']);
      io().unwatch(w);
      io().unwatch(w);
      tx.send('unread', rx.address().port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(read, ['ping']);
      // Still waiting in the socket: a plain read gets it.
      assert.equal(io().recv(fd, scratch, 2048, meta, 4), 1);
    }),
);

void test('udp-mmsg: bad arguments are TypeErrors, a bad descriptor a negative errno', { skip }, () => {
  const h = io();
  assert.throws(() => h.recv(0, 'x' as unknown as Buffer, 16, new Int32Array(7), 1), TypeError);
  assert.throws(
    () => h.recv(0, Buffer.alloc(16), 16, new Float64Array(7) as unknown as Int32Array, 1),
    TypeError,
  );
  assert.throws(() => h.send(0, ['x' as unknown as Buffer], new Int32Array(6), 1), TypeError);
  assert.throws(() => h.watch(0, 'nope' as unknown as () => void), TypeError);
  assert.throws(() => h.unwatch({}), TypeError);
  assert.ok(h.recv(987654, Buffer.alloc(16), 16, new Int32Array(7), 1) < 0);
  assert.ok(h.send(987654, [Buffer.from('x')], Int32Array.from([9, 4, LOCALHOST, 0, 0, 0]), 1) < 0);
  assert.equal(h.recv(0, Buffer.alloc(16), 0, new Int32Array(7), 1), -22);
  assert.throws(() => h.watch(987654, () => undefined), /duplicated/);
  assert.throws(() => h.dup(undefined as unknown as number), TypeError);
  assert.equal(h.dup(987654), -9);
});

void test(
  'udp-mmsg: dup gives a descriptor of the same socket; closing it leaves the socket open',
  { skip },
  () =>
    withReceiver(async (fd, rx, tx) => {
      const d = io().dup(fd);
      assert.ok(d >= 0 && d !== fd);
      const scratch = Buffer.alloc(4 * 2048);
      const meta = new Int32Array(4 * 7);
      tx.send('one', rx.address().port, '127.0.0.1');
      await until(() => io().recv(d, scratch, 2048, meta, 4) === 1);
      assert.equal(scratch.toString('latin1', 0, meta[0]), 'one', 'read through the duplicate');
      closeSync(d);
      tx.send('two', rx.address().port, '127.0.0.1');
      let n = 0;
      await until(() => (n = io().recv(fd, scratch, 2048, meta, 4)) === 1);
      assert.equal(n, 1);
      assert.equal(scratch.toString('latin1', 0, meta[0]), 'two', 'the original still reads');
    }),
);
