import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatInstrumentUri,
  identifyInstrument,
  instrumentFromSipInstance,
  macFromUuidUrn,
  normalizeInstrumentId,
  normalizeMac,
  parseInstrumentUri,
  splitDigestUsername,
} from '../../src/instrument/index.js';
import { seededRandom } from '@beckon/testkit';

void describe('splitDigestUsername (seed 002 method 1)', () => {
  void it('splits the seed example usernames', () => {
    assert.deepEqual(splitDigestUsername('69/0000DEADBEEF'), { user: '69', token: '0000DEADBEEF' });
    assert.deepEqual(splitDigestUsername('70/0000DEADBEEF'), { user: '70', token: '0000DEADBEEF' });
  });
  void it('splits at the last separator so a user may contain /', () => {
    assert.deepEqual(splitDigestUsername('dept/69/0000DEADBEEF'), { user: 'dept/69', token: '0000DEADBEEF' });
  });
  void it('returns a plain username whole', () => {
    assert.deepEqual(splitDigestUsername('69'), { user: '69' });
    assert.deepEqual(splitDigestUsername(''), { user: '' });
  });
  void it('does not split with an empty side', () => {
    assert.deepEqual(splitDigestUsername('69/'), { user: '69/' });
    assert.deepEqual(splitDigestUsername('/0000DEADBEEF'), { user: '/0000DEADBEEF' });
  });
  void it('honours another separator', () => {
    assert.deepEqual(splitDigestUsername('69#abc', '#'), { user: '69', token: 'abc' });
    assert.deepEqual(splitDigestUsername('69/abc', ''), { user: '69/abc' });
  });
});

void describe('normalizeMac / normalizeInstrumentId', () => {
  void it('gives one identifier for every spelling of a MAC', () => {
    for (const s of [
      '000B82ABCDEF',
      '000b82abcdef',
      '00-0B-82-AB-CD-EF',
      '00:0b:82:ab:cd:ef',
      '000b.82ab.cdef',
    ])
      assert.equal(normalizeMac(s), '000b82abcdef', s);
    assert.equal(normalizeInstrumentId('0000DEADBEEF'), '0000deadbeef');
  });
  void it('rejects near misses', () => {
    for (const s of [
      '000B82ABCDE',
      '000B82ABCDEG',
      '00:0b-82:ab:cd:ef',
      '00:0b:82:ab:cd:e:f',
      '000b.82ab-cdef',
      '',
    ])
      assert.equal(normalizeMac(s), undefined, s);
  });
  void it('keeps a non-MAC token as-is, case included', () => {
    assert.equal(normalizeInstrumentId('Lobby-Phone'), 'Lobby-Phone');
    assert.equal(normalizeInstrumentId('000DEADBEEF'), '000DEADBEEF'); // 11 digits: the seed's F1 typo, not a MAC
    assert.equal(normalizeInstrumentId(''), undefined);
  });
  void it('normalises URNs: uuid wholly lowercase, others only the NID', () => {
    assert.equal(normalizeInstrumentId('URN:UUID:ABC'), 'urn:uuid:abc');
    assert.equal(normalizeInstrumentId('URN:Example:Foo'), 'urn:example:Foo');
  });
});

void describe('instrumentFromSipInstance (seed 002 method 2)', () => {
  void it('takes the MAC from version-1 UUIDs (seed §8.4 F1/F3 give the same instrument)', () => {
    assert.equal(
      instrumentFromSipInstance('"<urn:uuid:f81d4fae-7dec-11d0-a765-0000deadbeef>"'),
      '0000deadbeef',
    );
    assert.equal(
      instrumentFromSipInstance('"<urn:uuid:f81d4faf-7dec-11d0-a765-0000deadbeef>"'),
      '0000deadbeef',
    );
    assert.equal(
      instrumentFromSipInstance('<urn:uuid:F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6>'),
      '00a0c91e6bf6',
    );
    assert.equal(instrumentFromSipInstance('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6'), '00a0c91e6bf6');
  });
  void it('keeps other UUID versions and variants whole', () => {
    assert.equal(
      instrumentFromSipInstance('"<urn:uuid:0C2E8E0F-7E57-4B6A-9F3E-1D2C3B4A5968>"'),
      'urn:uuid:0c2e8e0f-7e57-4b6a-9f3e-1d2c3b4a5968',
    );
    // version 1 but NCS variant (0xxx): not an RFC 4122 node field
    assert.equal(macFromUuidUrn('urn:uuid:f81d4fae-7dec-11d0-2765-0000deadbeef'), undefined);
  });
  void it('keeps non-UUID instance values whole', () => {
    assert.equal(
      instrumentFromSipInstance('"<urn:gsma:imei:35209900-176148-1>"'),
      'urn:gsma:imei:35209900-176148-1',
    );
    assert.equal(instrumentFromSipInstance('<something-else>'), 'something-else');
    assert.equal(instrumentFromSipInstance('""'), undefined);
    assert.equal(instrumentFromSipInstance('"<>"'), undefined);
  });
});

void describe('identifyInstrument', () => {
  const instance = '"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"';
  void it('method 1 wins over method 2', () => {
    assert.deepEqual(identifyInstrument({ digestUsername: '69/0000DEADBEEF', sipInstance: instance }), {
      authUser: '69',
      instrument: '0000deadbeef',
      method: 'digest-username',
    });
  });
  void it('falls back to the instance id', () => {
    assert.deepEqual(identifyInstrument({ digestUsername: '69', sipInstance: instance }), {
      authUser: '69',
      instrument: '00a0c91e6bf6',
      method: 'sip-instance',
    });
    assert.deepEqual(identifyInstrument({ sipInstance: instance }), {
      instrument: '00a0c91e6bf6',
      method: 'sip-instance',
    });
  });
  void it('reports no instrument when there is no evidence', () => {
    assert.deepEqual(identifyInstrument({ digestUsername: '69' }), { authUser: '69' });
    assert.deepEqual(identifyInstrument({}), {});
  });
  void it('normalises a MAC token in any spelling', () => {
    assert.equal(identifyInstrument({ digestUsername: '69/00-00-de-ad-be-ef' }).instrument, '0000deadbeef');
    assert.equal(identifyInstrument({ digestUsername: '69/Desk7' }).instrument, 'Desk7');
  });
});

void describe('parseInstrumentUri', () => {
  void it('parses the seed example ~~in~0000DEADBEEF', () => {
    assert.deepEqual(parseInstrumentUri('~~in~0000DEADBEEF'), { instrument: '0000deadbeef' });
  });
  void it('parses the AOR-and-instrument form, splitting at the last &', () => {
    assert.deepEqual(parseInstrumentUri('~~in~69&0000DEADBEEF'), { instrument: '0000deadbeef', user: '69' });
    assert.deepEqual(parseInstrumentUri('~~in~a&b&00:00:de:ad:be:ef'), {
      instrument: '0000deadbeef',
      user: 'a&b',
    });
  });
  void it('percent-decodes after splitting', () => {
    assert.deepEqual(parseInstrumentUri('~~in~x%26y&Desk%267'), { instrument: 'Desk&7', user: 'x&y' });
    assert.deepEqual(parseInstrumentUri('~~in~urn%3Auuid%3AABC'), { instrument: 'urn:uuid:abc' });
  });
  void it('is undefined for other user parts or malformed ones', () => {
    for (const u of [
      '69',
      '',
      '~~in~',
      '~~IN~0000DEADBEEF',
      '~~in~69&',
      '~~in~&0000DEADBEEF',
      '~~in~%zz',
      '~~in~%C3',
    ])
      assert.equal(parseInstrumentUri(u), undefined, u);
  });
  void it('honours another prefix', () => {
    assert.deepEqual(parseInstrumentUri('inst-abc', 'inst-'), { instrument: 'abc' });
    assert.equal(parseInstrumentUri('~~in~abc', ''), undefined);
  });
  void it('round-trips with formatInstrumentUri', () => {
    const cases: [string, string | undefined][] = [
      ['0000deadbeef', undefined],
      ['0000deadbeef', '69'],
      ['urn:uuid:0c2e8e0f-7e57-4b6a-9f3e-1d2c3b4a5968', 'alice&bob'],
      ['Desk&7 %x', 'ü@x'],
    ];
    for (const [inst, user] of cases) {
      const up = formatInstrumentUri(inst, user);
      assert.doesNotMatch(up, /[@: ]/);
      assert.deepEqual(
        parseInstrumentUri(up),
        user === undefined ? { instrument: inst } : { instrument: inst, user },
      );
    }
  });
});

void describe('parsers never throw (fuzz)', () => {
  const alphabet = [
    '~',
    'i',
    'n',
    '&',
    '%',
    '/',
    ':',
    '-',
    '.',
    '<',
    '>',
    '"',
    '\\',
    'a',
    'F',
    '0',
    '1',
    '9',
    'ü',
    '\u0000',
    '\ud800',
    ' ',
    'urn:uuid:',
    '~~in~',
  ];
  void it('handles 20,000 random strings without exceptions', () => {
    const r = seededRandom(42);
    for (let i = 0; i < 20_000; i++) {
      const len = Math.floor(r() * 48);
      let s = '';
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(r() * alphabet.length)] ?? '';
      if (r() < 0.2) s = '~~in~' + s;
      splitDigestUsername(s);
      normalizeInstrumentId(s);
      instrumentFromSipInstance(s);
      identifyInstrument({ digestUsername: s, sipInstance: s });
      const p = parseInstrumentUri(s);
      if (p) assert.ok(p.instrument.length > 0);
    }
  });
  void it('handles random UUID-shaped instance values', () => {
    const r = seededRandom(7);
    const hex = '0123456789abcdefABCDEFg-';
    for (let i = 0; i < 5_000; i++) {
      let u = '';
      for (let j = 0; j < 36; j++) u += hex[Math.floor(r() * hex.length)] ?? '';
      const v = instrumentFromSipInstance(`"<urn:uuid:${u}>"`);
      assert.ok(v === undefined || v.length > 0);
    }
  });
});
