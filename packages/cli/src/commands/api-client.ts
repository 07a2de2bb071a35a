import { loadConfig } from '@beckon/config';
import type { CliIo } from '../cli-io.js';
import type { OptionSpec, ParsedArgs } from '../command.js';
import { configOptions, listOption, stringOption } from './config-options.js';

/** `--api URL` (plus --config/--set, whose http.listen gives the default) and `--json`. */
export const apiOptions: Record<string, OptionSpec> = {
  api: {
    type: 'string',
    valueName: 'URL',
    description: 'Base URL of the station REST API (default: from http.listen, http://127.0.0.1:8080).',
  },
  json: { type: 'boolean', description: 'Print the API answer as JSON instead of text.' },
  ...configOptions,
};

export type ApiResult<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; error: string; field?: string };

/** The station's REST API over HTTP (fetch), with a bounded timeout per call. */
export class ApiClient {
  constructor(
    readonly base: string,
    private readonly timeoutMs = 10_000,
  ) {}

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<ApiResult<T>> {
    const q = Object.entries(query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return this.call<T>('GET', `${path}${q ? `?${q}` : ''}`);
  }

  post<T>(path: string, body: unknown): Promise<ApiResult<T>> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const url = `${this.base.replace(/\/$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
      });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, status: 0, error: `cannot reach ${url}: ${c?.code ?? c?.message ?? String(err)}` };
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const e = (parsed ?? {}) as { error?: string; field?: string };
      return {
        ok: false,
        status: res.status,
        error: e.error ?? `HTTP ${res.status}`,
        ...(e.field !== undefined ? { field: e.field } : {}),
      };
    }
    return { ok: true, status: res.status, body: parsed as T };
  }
}

/** The API base URL: --api, else http.listen of the effective configuration. */
export function apiBase(
  args: ParsedArgs,
  io: CliIo,
): { ok: true; base: string } | { ok: false; error: string } {
  const explicit = stringOption(args, 'api');
  if (explicit !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(explicit))
      return { ok: false, error: `--api wants http://host:port, not '${explicit}'` };
    return { ok: true, base: explicit.replace(/\/$/, '') };
  }
  const r = loadConfig({ file: stringOption(args, 'config'), sets: listOption(args, 'set'), env: io.env });
  if (!r.ok) return { ok: false, error: 'invalid configuration (see beckon config check)' };
  const l = r.config.http.listen;
  const host = l.host === '0.0.0.0' ? '127.0.0.1' : l.host === '::' ? '::1' : l.host;
  return { ok: true, base: `http://${host.includes(':') ? `[${host}]` : host}:${l.port}` };
}

/** Left-aligned text table (header row, then rows). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
