import { oid, type Oid } from '../ber/oid.js';
import type { SnmpValue } from '../ber/snmp-value.js';
import type { MibRegistry } from '../mib/mib-registry.js';
import { ScalarHandler } from '../mib/scalar-handler.js';
import { SortedTable } from '../mib/sorted-table.js';
import { sortedTableSource, TableHandler } from '../mib/table-handler.js';

/** SNMPv2-MIB system group (RFC 3418 §2), 1.3.6.1.2.1.1. */
export const SYSTEM_OID = oid('1.3.6.1.2.1.1');

export interface SystemGroupInit {
  descr: string;
  objectId: Oid;
  contact?: string;
  name?: string;
  location?: string;
  /** sysServices bit mask (default 72 = applications + end-to-end). */
  services?: number;
  /** Milliseconds clock (default performance.now); sysUpTime counts from construction. */
  clock?: () => number;
}

interface OrRow {
  id: Oid;
  descr: string;
  upTime: number;
}

/** Live state of the system group; sysContact, sysName and sysLocation are writable (DisplayString). */
export class SystemGroup {
  contact: string;
  name: string;
  location: string;
  private readonly start: number;
  private readonly clock: () => number;
  private readonly orTable = new SortedTable<OrRow>();
  private orLastChange = 0;
  private nextOrIndex = 1;

  constructor(private readonly init: SystemGroupInit) {
    this.contact = init.contact ?? '';
    this.name = init.name ?? '';
    this.location = init.location ?? '';
    this.clock = init.clock ?? (() => performance.now());
    this.start = this.clock();
  }

  /** sysUpTime: "The time (in hundredths of a second) since the network management portion of the
   * system was last re-initialized." */
  upTime(): number {
    return Math.floor((this.clock() - this.start) / 10) % 2 ** 32;
  }

  /** Adds a sysORTable row (capabilities statement); returns its sysORIndex. */
  addObjectResource(id: Oid, descr: string): number {
    const index = this.nextOrIndex++;
    this.orLastChange = this.upTime();
    this.orTable.set([index], { id, descr, upTime: this.orLastChange });
    return index;
  }

  removeObjectResource(index: number): void {
    if (this.orTable.delete([index])) this.orLastChange = this.upTime();
  }

  register(registry: MibRegistry): void {
    const s = (n: number): Oid => [...SYSTEM_OID, n];
    const str = (v: string): SnmpValue => ({ type: 'OctetString', value: Buffer.from(v, 'utf8') });
    const displayString = (apply: (v: string) => void) => ({
      type: 'OctetString' as const,
      // SNMPv2-TC DisplayString: SIZE (0..255)
      validate: (v: SnmpValue) =>
        v.type === 'OctetString' && v.value.length > 255 ? ('wrongLength' as const) : undefined,
      apply: (v: SnmpValue) => {
        if (v.type !== 'OctetString') return false;
        apply(v.value.toString('utf8'));
        return true;
      },
    });
    const regs: [Oid, ScalarHandler][] = [
      [s(1), new ScalarHandler(s(1), { get: () => str(this.init.descr) })],
      [
        s(2),
        new ScalarHandler(s(2), { get: () => ({ type: 'ObjectIdentifier', value: this.init.objectId }) }),
      ],
      [s(3), new ScalarHandler(s(3), { get: () => ({ type: 'TimeTicks', value: this.upTime() }) })],
      [
        s(4),
        new ScalarHandler(s(4), {
          get: () => str(this.contact),
          set: displayString((v) => (this.contact = v)),
        }),
      ],
      [
        s(5),
        new ScalarHandler(s(5), { get: () => str(this.name), set: displayString((v) => (this.name = v)) }),
      ],
      [
        s(6),
        new ScalarHandler(s(6), {
          get: () => str(this.location),
          set: displayString((v) => (this.location = v)),
        }),
      ],
      [s(7), new ScalarHandler(s(7), { get: () => ({ type: 'Integer', value: this.init.services ?? 72 }) })],
      [s(8), new ScalarHandler(s(8), { get: () => ({ type: 'TimeTicks', value: this.orLastChange }) })],
    ];
    for (const [root, h] of regs) registry.register(root, h);
    // sysOREntry: sysORIndex(1) not-accessible, sysORID(2), sysORDescr(3), sysORUpTime(4)
    registry.register(
      [...s(9), 1],
      new TableHandler(
        [...s(9), 1],
        [2, 3, 4],
        sortedTableSource(this.orTable, {
          2: (r) => ({ type: 'ObjectIdentifier', value: r.id }),
          3: (r) => str(r.descr),
          4: (r) => ({ type: 'TimeTicks', value: r.upTime }),
        }),
      ),
    );
  }
}
