import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BeckonConfig } from '@beckon/config';
import type { SqliteDatabase } from '@beckon/store';
import {
  createCallHomeStack,
  type CallHomeStack,
  type CallHomeStackComponents,
} from './callhome/call-home-stack.js';
import type { SnmpCallHomeInit } from './callhome/snmp-call-home-handler.js';
import { openTaskDatabase } from './tasks/task-store.js';

/**
 * SNMP in call-home sessions and the task service (issue 6) from `management.callHomeSnmp`, with the
 * tasks in their own SQLite file (`dbPath`, one migration list per file). Undefined when neither TLS,
 * SSH nor snmp-tcp credentials are configured (a call-home then ends its request at once). Throws when
 * a configured file cannot be read or the database cannot be opened (a start-up failure).
 */
export function callHomeStackFromConfig(
  components: Omit<CallHomeStackComponents, 'taskDb' | 'taskStore'>,
  config: BeckonConfig,
  dbPath: string,
): { stack: CallHomeStack; db: SqliteDatabase } | undefined {
  const c = config.management.callHomeSnmp;
  const tls = c.tls.certFile !== '' && c.tls.keyFile !== '';
  const ssh = c.ssh.username !== '' && c.ssh.privateKeyFile !== '';
  const tcp = c.tcpCommunity !== '';
  if (!tls && !ssh && !tcp) return undefined;
  const init: SnmpCallHomeInit = {
    ...(tls
      ? {
          tls: {
            cert: readFileSync(c.tls.certFile),
            key: readFileSync(c.tls.keyFile),
            ...(c.tls.caFile !== '' ? { ca: readFileSync(c.tls.caFile) } : {}),
            securityName: c.tls.securityName,
          },
        }
      : {}),
    ...(ssh ? { ssh: { username: c.ssh.username, privateKey: readFileSync(c.ssh.privateKeyFile) } } : {}),
    ...(tcp ? { tcp: { enabled: true, community: c.tcpCommunity } } : {}),
  };
  if (dbPath !== ':memory:') mkdirSync(dirname(dbPath), { recursive: true });
  const opened = openTaskDatabase(dbPath, components.log ? { log: components.log } : {});
  if (!opened.ok) throw new Error(`task database ${dbPath}: ${opened.error}`);
  try {
    const stack = createCallHomeStack(
      { ...components, taskDb: opened.db },
      {
        ...init,
        trust: c.trust.map((t) => ({
          device: t.device,
          tlsFingerprints: t.tlsFingerprints,
          sshHostKeys: t.sshHostKeys,
        })),
        tasks: { callHomeTimeoutSec: config.management.requestTimeoutSec },
      },
    );
    return { stack, db: opened.db };
  } catch (err) {
    opened.db.close();
    throw err;
  }
}
