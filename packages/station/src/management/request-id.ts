import { randomBytes } from 'node:crypto';

/**
 * A new management request ID: 9 random bytes as base64url (12 characters of A-Z, a-z, 0-9, '-', '_'),
 * never starting with '-', which a command line would take for an option (`beckon mgmt show <id>`).
 * `random` is for tests.
 */
export function newRequestId(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(9).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
