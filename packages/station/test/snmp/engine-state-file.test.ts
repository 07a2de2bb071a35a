import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineStateFile } from '../../src/snmp/index.js';

void test('EngineStateFile: generated engine ID kept, boots incremented and saved at every start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-engine-'));
  try {
    const path = join(dir, 'sub', 'snmp-engine.json');
    const f = new EngineStateFile(path);
    const a = f.nextBoot(undefined);
    assert.ok(a.ok);
    assert.equal(a.state.origin, 'generated');
    assert.equal(a.state.engineBoots, 1);
    // RFC 3411 format 5 under enterprise 32473: 0x80007ed9, 0x05, 8 random octets
    assert.equal(a.state.engineId.length, 13);
    assert.equal(a.state.engineId.subarray(0, 5).toString('hex'), '80007ed905');
    const b = new EngineStateFile(path).nextBoot(undefined);
    assert.ok(b.ok);
    assert.equal(b.state.origin, 'stored');
    assert.equal(b.state.engineBoots, 2);
    assert.ok(b.state.engineId.equals(a.state.engineId));
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {
      engineId: a.state.engineId.toString('hex'),
      engineBoots: 2,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('EngineStateFile: a configured engine ID restarts boots at 1 and then counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-engine-'));
  try {
    const path = join(dir, 'e.json');
    assert.ok(new EngineStateFile(path).nextBoot(undefined).ok);
    const c = new EngineStateFile(path).nextBoot('0x80001f8804626563');
    assert.ok(c.ok);
    assert.equal(c.state.origin, 'configured');
    assert.equal(c.state.engineBoots, 1);
    const d = new EngineStateFile(path).nextBoot('80001f8804626563');
    assert.ok(d.ok);
    assert.equal(d.state.engineBoots, 2);
    const bad = new EngineStateFile(path).nextBoot('zz');
    assert.equal(bad.ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('EngineStateFile: a corrupt file yields a fresh engine ID (boots 1); boots latch at 2^31-1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-engine-'));
  try {
    const path = join(dir, 'e.json');
    writeFileSync(path, '{not json');
    const a = new EngineStateFile(path).nextBoot(undefined);
    assert.ok(a.ok);
    assert.equal(a.state.origin, 'generated');
    assert.equal(a.state.engineBoots, 1);
    writeFileSync(
      path,
      JSON.stringify({ engineId: a.state.engineId.toString('hex'), engineBoots: 2147483647 }),
    );
    const b = new EngineStateFile(path).nextBoot(undefined);
    assert.ok(b.ok);
    assert.equal(b.state.engineBoots, 2147483647);
    // not persisted: boots is 1 every time
    const mem = new EngineStateFile(undefined);
    assert.equal(mem.nextBoot(undefined).ok && mem.nextBoot(undefined).ok, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
