import { Type, type Static } from '@sinclair/typebox';
import { AuthSection } from './auth.js';
import { DemoSection } from './demo.js';
import { DeviceSection } from './device.js';
import { HttpSection } from './http.js';
import { LogSection } from './log.js';
import { ManagementSection } from './management.js';
import { RegistrarSection } from './registrar.js';
import { SipSection } from './sip.js';
import { SnmpSection } from './snmp.js';
import { StorageSection } from './storage.js';

/**
 * The top-level sections, in documentation order. To add a section: write `schema/<name>.ts` exporting a
 * TypeBox object (every property with description, default and x-reason), then add one line here.
 */
export const configSections = {
  log: LogSection,
  sip: SipSection,
  auth: AuthSection,
  registrar: RegistrarSection,
  storage: StorageSection,
  snmp: SnmpSection,
  http: HttpSection,
  management: ManagementSection,
  device: DeviceSection,
  demo: DemoSection,
};

/** The one schema of a Beckon configuration file: validation, defaults, types and docs all come from it. */
export const BeckonConfigSchema = Type.Object(configSections, {
  title: 'Beckon configuration',
  additionalProperties: false,
});

/** A validated configuration with every default filled in. */
export type BeckonConfig = Static<typeof BeckonConfigSchema>;
