/**
 * XML 1.0 escaping for the reginfo encoder (no XML library: the documents are small and fixed in shape).
 *
 * XML 1.0 §2.2: "Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]".
 * Characters outside Char cannot appear in a document at all, not even as character references, so they
 * are replaced by U+FFFD. Tab, line feed and carriage return are written as character references in
 * attribute values (§3.3.3 attribute-value normalisation would turn them into spaces) and carriage return
 * in text as well (§2.11 end-of-line handling would drop it).
 */

// Anything that needs more than copying: markup characters, quotes, controls and surrogates/U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex -- XML 1.0 Char excludes these controls: they are matched on purpose.
const NEEDS_WORK = /[&<>"'\u0000-\u001f\ud800-\udfff\ufffe\uffff]/;

/** Escapes `s` for use inside a double- or single-quoted attribute value. */
export function xmlAttr(s: string): string {
  return NEEDS_WORK.test(s) ? escape(s, true) : s;
}

/** Escapes `s` for use as element text. */
export function xmlText(s: string): string {
  return NEEDS_WORK.test(s) ? escape(s, false) : s;
}

function escape(s: string, attr: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x26:
        out += '&amp;';
        continue;
      case 0x3c:
        out += '&lt;';
        continue;
      case 0x3e:
        out += '&gt;';
        continue;
      case 0x22:
        out += attr ? '&quot;' : '"';
        continue;
      case 0x27:
        out += attr ? '&apos;' : "'";
        continue;
      case 0x09:
      case 0x0a:
        out += attr ? `&#${c};` : c === 0x09 ? '\t' : '\n';
        continue;
      case 0x0d:
        out += '&#13;';
        continue;
    }
    if (c < 0x20 || c === 0xfffe || c === 0xffff) {
      out += '\ufffd';
    } else if (c >= 0xd800 && c <= 0xdbff) {
      // A high surrogate is kept only with its low surrogate (one supplementary character).
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
      } else out += '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\ufffd';
    } else out += s.charAt(i);
  }
  return out;
}
