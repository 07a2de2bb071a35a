import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeReginfo, encodeReginfo, xmlAttr, xmlText, type Reginfo } from '../../src/reg-event/index.js';

const DOC: Reginfo = {
  version: 3,
  state: 'full',
  registrations: [
    {
      aor: 'sip:1000@example.net',
      id: 'r1',
      state: 'active',
      contacts: [
        {
          id: '7',
          state: 'active',
          event: 'registered',
          expires: 3599,
          q: '0.5',
          callId: 'a&b<c>"d\'',
          cseq: 2,
          uri: 'sip:1000@192.0.2.1:5062;transport=udp',
          displayName: 'Anna & <Bob>',
        },
        {
          id: '8',
          state: 'terminated',
          event: 'unregistered',
          callId: 'x',
          cseq: 9,
          uri: 'sip:1000@192.0.2.2',
        },
      ],
    },
    { aor: 'sip:1001@example.net', id: 'r2', state: 'init', contacts: [] },
  ],
};

const GOLDEN = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="3" state="full">',
  '  <registration aor="sip:1000@example.net" id="r1" state="active">',
  '    <contact id="7" state="active" event="registered" expires="3599" q="0.5" callid="a&amp;b&lt;c&gt;&quot;d&apos;" cseq="2">',
  '      <uri>sip:1000@192.0.2.1:5062;transport=udp</uri>',
  '      <display-name>Anna &amp; &lt;Bob&gt;</display-name>',
  '    </contact>',
  '    <contact id="8" state="terminated" event="unregistered" callid="x" cseq="9">',
  '      <uri>sip:1000@192.0.2.2</uri>',
  '    </contact>',
  '  </registration>',
  '  <registration aor="sip:1001@example.net" id="r2" state="init"/>',
  '</reginfo>',
  '',
].join('\n');

void describe('reginfo codec (RFC 3680 §5)', () => {
  void it('writes the golden bytes', () => {
    assert.equal(encodeReginfo(DOC), GOLDEN);
  });

  void it('round-trips through the strict decoder', () => {
    const r = decodeReginfo(Buffer.from(encodeReginfo(DOC)));
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.deepEqual(r.value, DOC);
  });

  void it('decodes the RFC 3680 §6-style example with single quotes and CRLF', () => {
    const text =
      "<?xml version='1.0'?>\r\n<reginfo xmlns='urn:ietf:params:xml:ns:reginfo' version='0' state='full'>\r\n" +
      "<registration aor='sip:user@example.com' id='a7' state='active'>\r\n" +
      "<contact id='76' state='active' event='registered'><uri>sip:user@pc887.example.com</uri></contact>\r\n" +
      '</registration></reginfo>';
    const r = decodeReginfo(text);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.equal(r.value.registrations[0]?.contacts[0]?.uri, 'sip:user@pc887.example.com');
  });

  void it('refuses what it does not know', () => {
    const bad = [
      '',
      '<reginfo version="0" state="full"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="half"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="x" state="full"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full" extra="1"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><foo/></reginfo>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><!-- c --></reginfo>',
      '<!DOCTYPE x><reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full">',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"></reginfox>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"/><x/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><registration aor="a" id="b" state="active"><contact id="1" state="active" event="registered"/></registration></reginfo>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><registration aor="a" id="b" state="active"><contact id="1" state="gone" event="registered"><uri>u</uri></contact></registration></reginfo>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><registration aor="a&bogus;" id="b" state="init"/></reginfo>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><registration aor="&#0;" id="b" state="init"/></reginfo>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full">\u0001</reginfo>',
    ];
    for (const b of bad) {
      const r = decodeReginfo(b);
      assert.equal(r.ok, false, b);
    }
  });

  void it('escapes any string so that it decodes to itself (fuzz, 3,000 strings)', () => {
    // Deterministic generator: markup characters, quotes, white space, controls, lone and paired
    // surrogates, U+FFFE/U+FFFF, ASCII and some non-ASCII.
    const alphabet = [
      '&',
      '<',
      '>',
      '"',
      "'",
      ' ',
      '\t',
      '\n',
      '\r',
      '\r\n',
      '\u0000',
      '\u0001',
      '\u001f',
      '\u007f',
      '\ud83d\ude00',
      '\ud800',
      '\udc00',
      '\ufffe',
      '\uffff',
      '\ufffd',
      'é',
      '中',
      'a',
      'Z',
      '0',
      ';',
      '#',
      '&amp;',
      ']]>',
      '=',
    ];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const len = rnd(12);
      for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
      // What survives: every character XML can carry; the others become U+FFFD.
      const expected = expectedOf(s);
      const doc: Reginfo = {
        version: i,
        state: 'partial',
        registrations: [
          {
            aor: s,
            id: s,
            state: 'active',
            contacts: [
              { id: s, state: 'active', event: 'refreshed', q: s, callId: s, uri: s, displayName: s },
            ],
          },
        ],
      };
      const r = decodeReginfo(encodeReginfo(doc));
      assert.ok(r.ok, `${JSON.stringify(s)}: ${JSON.stringify(!r.ok && r.error)}`);
      const reg = r.value.registrations[0];
      const c = reg?.contacts[0];
      assert.equal(reg?.aor, expected, JSON.stringify(s));
      assert.equal(c?.callId, expected, JSON.stringify(s));
      assert.equal(c?.displayName, expected, JSON.stringify(s));
      // Text never holds a raw '<' or '&' that is not markup; attributes never a raw quote.
      assert.ok(!xmlAttr(s).includes('"') && !xmlAttr(s).includes('<'));
      assert.ok(!xmlText(s).includes('<'));
    }
  });
});

/** The string a document can carry for `s`: characters outside XML 1.0 Char replaced by U+FFFD. */
function expectedOf(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const ok =
      cp === 0x9 ||
      cp === 0xa ||
      cp === 0xd ||
      (cp >= 0x20 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xfffd) ||
      cp >= 0x10000;
    out += ok ? ch : '\ufffd';
  }
  return out;
}

void describe('reginfo with GRUUs (RFC 5628)', () => {
  const withGruu: Reginfo = {
    version: 0,
    state: 'full',
    registrations: [
      {
        aor: 'sip:alice@example.net',
        id: 'r2',
        state: 'active',
        contacts: [
          {
            id: '1',
            state: 'active',
            event: 'registered',
            expires: 600,
            callId: 'c1',
            cseq: 4,
            uri: 'sip:alice@192.0.2.4',
            instance: '<urn:uuid:00000000-0000-1000-8000-001122334455>',
            pubGruu: 'sip:alice@example.net;gr=urn:uuid:00000000-0000-1000-8000-001122334455',
            tempGruu: { uri: 'sip:tgruu.abc_-1@example.net;gr', firstCseq: 4 },
          },
        ],
      },
    ],
  };

  void it('round-trips, with the gr prefix declared once on the root', () => {
    const xml = encodeReginfo(withGruu);
    assert.match(
      xml,
      /<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" xmlns:gr="urn:ietf:params:xml:ns:gruuinfo"/,
    );
    assert.match(xml, /<unknown-param name="\+sip.instance">&lt;urn:uuid:[0-9a-f-]+&gt;<\/unknown-param>/);
    assert.match(xml, /<gr:temp-gruu uri="sip:tgruu.abc_-1@example.net;gr" first-cseq="4"\/>/);
    const d = decodeReginfo(xml);
    assert.ok(d.ok, JSON.stringify(d));
    assert.deepEqual(d.value, withGruu);
    assert.doesNotMatch(encodeReginfo(DOC), /xmlns:gr/, 'no GRUU, no extra namespace');
  });

  void it('the strict decoder refuses gr elements without the gruuinfo namespace', () => {
    const xml = encodeReginfo(withGruu);
    const wrongNs = xml.replace('urn:ietf:params:xml:ns:gruuinfo', 'urn:example:other');
    assert.equal(decodeReginfo(wrongNs).ok, false);
    const undeclared = xml.replace(/ xmlns:gr="[^"]+"/, '');
    assert.equal(decodeReginfo(undeclared).ok, false);
    const otherParam = xml.replace('name="+sip.instance"', 'name="reg-id"');
    assert.equal(decodeReginfo(otherParam).ok, false);
  });
});
