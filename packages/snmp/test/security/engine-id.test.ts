import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isValidEngineId,
  makeDefaultEngineId,
  makeEngineId,
  parseEngineIdHex,
} from '../../src/security/engine-id.js';
import { EngineClock, MAX_ENGINE_VALUE } from '../../src/security/engine-clock.js';

void test('default engine ID: enterprise 8072 with the high bit, format 5, 8 random octets', () => {
  const a = makeDefaultEngineId();
  const b = makeDefaultEngineId();
  assert.equal(a.length, 13);
  assert.equal(a.subarray(0, 5).toString('hex'), '80001f8805');
  assert.notDeepEqual(a, b);
  assert.ok(isValidEngineId(a));
});

void test('text, MAC and explicit octets formats; bad input is an error value', () => {
  const t = makeEngineId({ enterprise: 99999, format: { kind: 'text', text: 'beckon-1' } });
  assert.ok(t.ok);
  assert.equal(t.engineId.toString('hex'), '8001869f04' + Buffer.from('beckon-1').toString('hex'));
  const m = makeEngineId({ format: { kind: 'mac', mac: Buffer.from('0242ac110002', 'hex') } });
  assert.ok(m.ok);
  assert.equal(m.engineId.toString('hex'), '80001f88030242ac110002');
  const o = makeEngineId({ format: { kind: 'octets', octets: Buffer.from('0102', 'hex') } });
  assert.ok(o.ok);
  assert.equal(o.engineId.toString('hex'), '80001f88050102');
  assert.equal(makeEngineId({ format: { kind: 'text', text: 'x'.repeat(28) } }).ok, false);
  assert.equal(makeEngineId({ format: { kind: 'mac', mac: Buffer.alloc(5) } }).ok, false);
  assert.equal(makeEngineId({ enterprise: -1 }).ok, false);
});

void test('engine ID validation and hex parsing', () => {
  assert.equal(isValidEngineId(Buffer.alloc(4, 1)), false);
  assert.equal(isValidEngineId(Buffer.alloc(33, 1)), false);
  assert.equal(isValidEngineId(Buffer.alloc(5, 0)), false);
  assert.equal(isValidEngineId(Buffer.alloc(5, 0xff)), false);
  assert.equal(parseEngineIdHex('0x80:00:1f:88:05:01')?.toString('hex'), '80001f880501');
  assert.equal(parseEngineIdHex('zz'), undefined);
  assert.equal(parseEngineIdHex('800'), undefined);
});

void test('EngineClock counts seconds from start and wraps into engineBoots at 2^31-1', () => {
  let now = 1000;
  const seen: number[] = [];
  const c = new EngineClock({ engineBoots: 3, nowMs: () => now, onBootsChange: (b) => seen.push(b) });
  assert.deepEqual(c.read(), { engineBoots: 3, engineTime: 0 });
  now += 150_999;
  assert.deepEqual(c.read(), { engineBoots: 3, engineTime: 150 });
  now += MAX_ENGINE_VALUE * 1000;
  assert.deepEqual(c.read(), { engineBoots: 4, engineTime: 0 });
  assert.deepEqual(seen, [4]);
  const latched = new EngineClock({ engineBoots: MAX_ENGINE_VALUE, nowMs: () => now });
  assert.equal(latched.latched, true);
  now += MAX_ENGINE_VALUE * 1000;
  assert.equal(latched.engineBoots, MAX_ENGINE_VALUE);
});
