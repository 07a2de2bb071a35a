import type { RegisterHeaders } from './register-headers.js';

/** Whether the option tag `tag` (lower case) is listed in `header` (Supported, Require); no allocation when absent. */
export function hasOptionTag(req: RegisterHeaders, header: string, tag: string): boolean {
  for (const v of req.getAll(header)) if (v.trim().toLowerCase() === tag) return true;
  return false;
}

/** The option tags listed in `header` (Supported, Require), lower case. */
export function optionTags(req: RegisterHeaders, header: string): Set<string> {
  const out = new Set<string>();
  for (const v of req.getAll(header)) {
    const t = v.trim().toLowerCase();
    if (t !== '') out.add(t);
  }
  return out;
}

/**
 * The Require option tags the registrar does not support (§8.2.2.3: answered with 420 and Unsupported):
 * everything but path, outbound and, when GRUUs are on, gruu.
 */
export function unsupportedRequires(req: RegisterHeaders, gruu: boolean): string[] {
  const required = req.getAll('require');
  if (required.length === 0) return [];
  const out: string[] = [];
  for (const raw of required) {
    const t = raw.trim().toLowerCase();
    if (t !== '' && t !== 'path' && t !== 'outbound' && !(gruu && t === 'gruu')) out.push(raw.trim());
  }
  return out;
}
