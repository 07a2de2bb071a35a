import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Three network namespaces: a device behind an iptables MASQUERADE router and a station on the router's
 * other side with no route back to the device. Addresses are documentation ranges (RFC 5737) on veths
 * that exist only inside these namespaces: device 192.0.2.2/24 — router 192.0.2.1 | router
 * 198.51.100.1/24 — station 198.51.100.2 (plus `extraStationAddresses`). Nothing touches the host.
 */
export interface NatTopology {
  /** Namespace names. */
  readonly st: string;
  readonly dev: string;
  readonly nat: string;
  /** Deletes the three namespaces (and with them the veths and rules); safe to call twice. */
  remove(): void;
}

export interface NatTopologyOptions {
  /** Namespace names; pick ones unique to the test run (e.g. include the pid). */
  names: { st: string; dev: string; nat: string };
  /** More station addresses inside 198.51.100.0/24, e.g. `['198.51.100.3']`. */
  extraStationAddresses?: readonly string[];
}

export const NAT_DEVICE_ADDRESS = '192.0.2.2';
export const NAT_STATION_ADDRESS = '198.51.100.2';

/** Why the topology cannot be built here (not root, tools missing), or undefined when it can. */
export function natTopologySkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, iptables)';
  for (const tool of ['ip', 'iptables'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} not installed`;
  return undefined;
}

const sh = (args: string[]): void => void execFileSync(args[0] as string, args.slice(1), { stdio: 'pipe' });

/** Builds the topology (needs root); on a failure half-way, removes what it made and rethrows. */
export function natTopology(opts: NatTopologyOptions): NatTopology {
  const { st, dev, nat } = opts.names;
  const all = [st, dev, nat];
  const remove = (): void => {
    for (const n of all) spawnSync('ip', ['netns', 'del', n]);
  };
  try {
    for (const n of all) sh(['ip', 'netns', 'add', n]);
    const inNs = (n: string, ...cmd: string[]): void => sh(['ip', 'netns', 'exec', n, ...cmd]);
    // Veth pairs are created inside the router namespace and one end moved: nothing touches the host.
    inNs(nat, 'ip', 'link', 'add', 'd1', 'type', 'veth', 'peer', 'name', 'd0', 'netns', dev);
    inNs(nat, 'ip', 'link', 'add', 's1', 'type', 'veth', 'peer', 'name', 's0', 'netns', st);
    inNs(dev, 'ip', 'addr', 'add', `${NAT_DEVICE_ADDRESS}/24`, 'dev', 'd0');
    inNs(nat, 'ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'd1');
    inNs(nat, 'ip', 'addr', 'add', '198.51.100.1/24', 'dev', 's1');
    for (const a of [NAT_STATION_ADDRESS, ...(opts.extraStationAddresses ?? [])]) {
      if (!a.startsWith('198.51.100.')) throw new Error(`station address ${a} outside 198.51.100.0/24`);
      inNs(st, 'ip', 'addr', 'add', `${a}/24`, 'dev', 's0');
    }
    for (const [n, d] of [
      [dev, 'd0'],
      [nat, 'd1'],
      [nat, 's1'],
      [st, 's0'],
    ] as const)
      inNs(n, 'ip', 'link', 'set', d, 'up');
    for (const n of all) inNs(n, 'ip', 'link', 'set', 'lo', 'up');
    inNs(dev, 'ip', 'route', 'add', 'default', 'via', '192.0.2.1');
    inNs(nat, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    inNs(nat, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 's1', '-j', 'MASQUERADE');
    // The router lets replies in, never a new connection from the station side.
    inNs(
      nat,
      'iptables',
      '-A',
      'FORWARD',
      '-i',
      's1',
      '-o',
      'd1',
      '-m',
      'conntrack',
      '--ctstate',
      'ESTABLISHED,RELATED',
      '-j',
      'ACCEPT',
    );
    inNs(nat, 'iptables', '-A', 'FORWARD', '-i', 's1', '-o', 'd1', '-j', 'DROP');
  } catch (e) {
    remove();
    throw e;
  }
  return { st, dev, nat, remove };
}
