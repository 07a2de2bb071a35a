import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/** ../shared/mibs from the repository root (this file is packages/station/test/snmp/helpers/). */
export function sharedMibDir(): string | undefined {
  const d = fileURLToPath(new URL('../../../../../../shared/mibs/', import.meta.url));
  return existsSync(`${d}SIP-COMMON-MIB`) ? d : undefined;
}

/** The RFC modules the station serves, for `-m` (names resolve; nothing else is loaded). */
export const STATION_MIB_MODULES = [
  'SNMPv2-MIB',
  'SNMP-FRAMEWORK-MIB',
  'SNMP-MPD-MIB',
  'SNMP-USER-BASED-SM-MIB',
  'NETWORK-SERVICES-MIB',
  'SIP-TC-MIB',
  'SIP-COMMON-MIB',
  'SIP-SERVER-MIB',
].join(':');

/** A private Net-SNMP home so the tools read and write no user configuration (~/.snmp). */
const home = mkdtempSync(`${tmpdir()}/beckon-netsnmp-`);
export const NET_SNMP_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  SNMP_PERSISTENT_DIR: home,
  SNMPCONFPATH: home,
  MIBS: '',
  MIBDIRS: '',
};

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Net-SNMP tool with a time limit (never throws). */
export function runTool(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, env: NET_SNMP_ENV },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Why Net-SNMP tests cannot run here (also checks the other `tools` they drive), or false. */
export async function netSnmpMissing(tools: readonly string[] = []): Promise<string | false> {
  if (!sharedMibDir()) return 'shared MIB folder ../shared/mibs not found';
  const v = await runTool('snmpget', ['-V'], 5000);
  if (!/NET-SNMP/.test(v.stdout + v.stderr)) return 'Net-SNMP tools not installed';
  for (const t of tools) {
    const w = await runTool('sh', ['-c', `command -v ${t}`], 5000);
    if (w.code !== 0) return `${t} not installed`;
  }
  return false;
}
