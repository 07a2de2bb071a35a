import { readFileSync } from 'node:fs';

/**
 * The objects a MODULE-COMPLIANCE makes mandatory (objects of its MANDATORY-GROUPS, plus the GROUP
 * clauses named in `extraGroups`), read from the module text. A small reader for tests only.
 */
export function complianceObjects(
  mibDir: string,
  file: string,
  compliance: string,
  extraGroups: readonly string[] = [],
): string[] {
  const text = readFileSync(`${mibDir}${file}`, 'utf8')
    .replace(/"[^"]*"/g, '""')
    .replace(/--.*$/gm, '');
  const c = new RegExp(`\\b${compliance}\\s+MODULE-COMPLIANCE([\\s\\S]*?)::=`).exec(text);
  if (!c) return [];
  const mandatory = /MANDATORY-GROUPS\s*\{([^}]*)\}/.exec(c[1]!)?.[1] ?? '';
  const groups = [...names(mandatory), ...extraGroups];
  const out: string[] = [];
  for (const g of groups) {
    const m = new RegExp(`\\b${g}\\s+OBJECT-GROUP\\s+OBJECTS\\s*\\{([^}]*)\\}`).exec(text);
    if (m) out.push(...names(m[1]!));
  }
  return [...new Set(out)];
}

function names(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
