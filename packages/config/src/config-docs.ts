import { BeckonConfigSchema } from './schema/root.js';
import { asNode, type SchemaNode } from './schema-walk.js';

export interface DocRow {
  /** `listen[].port` inside its section. */
  key: string;
  node: SchemaNode;
  required: boolean;
}

/**
 * The rows documented for one section: every setting at every depth, except plain containers (objects
 * that have a default of their own and only group other settings).
 */
export function docRows(section: SchemaNode): DocRow[] {
  const rows: DocRow[] = [];
  const walk = (node: SchemaNode, prefix: string): void => {
    const required = new Set(node.required ?? []);
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      const container = child.type === 'object' && child.default !== undefined;
      if (!container) rows.push({ key, node: child, required: required.has(name) });
      if (child.type === 'object') walk(child, key);
      else if (child.type === 'array' && child.items?.type === 'object') walk(child.items, `${key}[]`);
    }
  };
  walk(section, '');
  return rows;
}

function typeOf(n: SchemaNode): string {
  if (n.type === 'array') return `list of ${n.items ? typeOf(n.items) : 'any'}`;
  if (n.type === 'object') return 'mapping';
  return n.type ?? 'any';
}

function rangeOf(n: SchemaNode): string {
  const parts: string[] = [];
  if (n.enum) parts.push(n.enum.map((v) => `\`${String(v)}\``).join(', '));
  if (n.minimum !== undefined && n.maximum !== undefined) parts.push(`${n.minimum} to ${n.maximum}`);
  else if (n.minimum !== undefined) parts.push(`>= ${n.minimum}`);
  else if (n.maximum !== undefined) parts.push(`<= ${n.maximum}`);
  if (n.minLength !== undefined || n.maxLength !== undefined)
    parts.push(`length ${n.minLength ?? 0} to ${n.maxLength ?? '∞'}`);
  if (n.minItems !== undefined || n.maxItems !== undefined)
    parts.push(`${n.minItems ?? 0} to ${n.maxItems ?? '∞'} items`);
  if (n.pattern) parts.push(`pattern \`${n.pattern}\``);
  if (n.type === 'array' && n.items?.enum)
    parts.push(`items: ${n.items.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  return parts.join('; ');
}

function defaultOf(row: DocRow): string {
  const d = row.node.default;
  if (d === undefined) return row.required ? '(required)' : '(none)';
  if (row.node['x-secret']) return '(secret)';
  return `\`${JSON.stringify(d)}\``;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/configuration.md, generated from the schema by `npm run docs:config`. */
export function renderConfigDocs(): string {
  const root = asNode(BeckonConfigSchema);
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/config/src/schema by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'Beckon reads one YAML file (`--config FILE`). Every setting has a default, so an empty file (or none) is a',
    'working configuration. Values are taken, from lowest to highest precedence, from the defaults below, the file,',
    'environment variables and `--set` options:',
    '',
    '- Environment: `BECKON_<SECTION>__<KEY>[__<KEY>...]`; a double underscore separates levels, case and single',
    '  underscores inside a name are ignored (`BECKON_SIP__DOMAIN=example.com`, `BECKON_SIP__MAX_MESSAGE_BYTES=4096`,',
    '  `BECKON_SIP__LISTEN__0__PORT=5070`). Variables whose first part names no section are ignored.',
    '- Command line: `--set PATH=VALUE`, repeatable (`--set sip.domain=example.com`, `--set sip.listen.0.port=5070`,',
    "  `--set sip.listen='[{transport: udp, host: 127.0.0.1, port: 5070}]'`).",
    '- Values from the environment and `--set` are parsed as YAML (numbers, booleans, lists, mappings); a setting',
    '  of type string takes the text as it is. Lists are replaced as a whole unless an index is given.',
    '',
    'Errors name the setting: `sip.listen[0].port: must be <= 65535`. `beckon config show` prints the effective',
    'values with the source of each; values marked secret are masked there and never logged.',
    '',
  ];
  for (const [name, sectionSchema] of Object.entries(root.properties ?? {})) {
    out.push(`## \`${name}\``, '', sectionSchema.description ?? '', '');
    out.push('| Key | Type | Default | Range / values | Description | Why this default |');
    out.push('| --- | --- | --- | --- | --- | --- |');
    for (const row of docRows(sectionSchema)) {
      const n = row.node;
      out.push(
        `| \`${name}.${row.key}\` | ${cell(typeOf(n))} | ${cell(defaultOf(row))} | ${cell(rangeOf(n))} | ${cell(
          n.description ?? '',
        )} | ${cell(n['x-reason'] ?? '')} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
