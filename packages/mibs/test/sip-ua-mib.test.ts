import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorStatus, type SnmpValue } from '@beckon/snmp';
import { COLUMNS, SIP_UA_ENTRIES, decodeInetHost, encodeInetHost } from '../src/index.js';
import { buildSipRegistry, get, set, walk } from './helpers/sip-registry.js';

const U = SIP_UA_ENTRIES.sipUACfgServerEntry;
const c = COLUMNS.sipUACfgServerEntry;
const int = (value: number): SnmpValue => ({ type: 'Integer', value });
const octets = (b: Buffer | number[]): SnmpValue => ({ type: 'OctetString', value: Buffer.from(b) });

void describe('SIP-UA-MIB sipUACfgServerTable', () => {
  void test('rows, address encodings and roles', () => {
    const t = buildSipRegistry();
    const vbs = walk(t.registry, U);
    assert.equal(vbs.length, 6);
    assert.equal((get(t.registry, [...U, c.sipUACfgServerAddressType, 2, 1]) as { value: number }).value, 1);
    assert.deepEqual(get(t.registry, [...U, c.sipUACfgServerAddress, 2, 1]), octets([192, 0, 2, 10]));
    assert.equal((get(t.registry, [...U, c.sipUACfgServerAddressType, 2, 2]) as { value: number }).value, 16);
    assert.deepEqual(
      get(t.registry, [...U, c.sipUACfgServerAddress, 2, 2]),
      octets(Buffer.from('proxy.example.com')),
    );
    // registrarServer(4): 0b0000_1000
    assert.deepEqual(get(t.registry, [...U, c.sipUACfgServerRole, 2, 1]), octets([0x08]));
  });

  void test('SET of the registrar address (type and address in one PDU) calls the device setter once', () => {
    const t = buildSipRegistry();
    const r = set(
      t.registry,
      [[...U, c.sipUACfgServerAddressType, 2, 1], int(16)],
      [[...U, c.sipUACfgServerAddress, 2, 1], octets(Buffer.from('reg.example.net'))],
    );
    assert.equal(r.errorStatus, 0);
    assert.deepEqual(t.uaServers.changes, [{ index: 1, host: { type: 'dns', address: 'reg.example.net' } }]);
    assert.deepEqual(
      get(t.registry, [...U, c.sipUACfgServerAddress, 2, 1]),
      octets(Buffer.from('reg.example.net')),
    );
    // address alone, consistent with the current type (dns)
    assert.equal(
      set(t.registry, [[...U, c.sipUACfgServerAddress, 2, 1], octets(Buffer.from('reg2.example.net'))])
        .errorStatus,
      0,
    );
    assert.equal(t.uaServers.changes.length, 2);
  });

  void test('SET errors', () => {
    const t = buildSipRegistry();
    // 3 octets for an ipv4 server: inconsistentValue
    let r = set(t.registry, [[...U, c.sipUACfgServerAddress, 2, 1], octets([10, 0, 0])]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.inconsistentValue, 1]);
    r = set(t.registry, [[...U, c.sipUACfgServerAddressType, 2, 1], octets([1])]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.wrongType, 1]);
    r = set(t.registry, [[...U, c.sipUACfgServerRole, 2, 1], octets([0x08])]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.notWritable, 1]);
    r = set(t.registry, [[...U, c.sipUACfgServerAddress, 2, 9], octets([10, 0, 0, 1])]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.noCreation, 1]);
    assert.equal(t.uaServers.changes.length, 0);
  });

  void test('InetAddress codec', () => {
    const v6 = encodeInetHost({ type: 'ipv6', address: '2001:db8::1' });
    assert.equal(v6.address.toString('hex'), '20010db8000000000000000000000001');
    const back = decodeInetHost(2, v6.address);
    assert.ok(back.ok);
    assert.equal(back.host.address, '2001:db8:0:0:0:0:0:1');
    assert.deepEqual(decodeInetHost(1, Buffer.from([1, 2, 3])), { ok: false, status: 'inconsistentValue' });
    assert.deepEqual(decodeInetHost(3, Buffer.from([1])), { ok: false, status: 'wrongValue' });
  });
});
