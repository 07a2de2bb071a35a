/**
 * Test support shared by the packages' `test/` folders: never imported from any `src/` folder
 * (enforced by scripts/check-layers.mjs).
 */
export { sshKey, type SshKey } from './ssh-key.js';
export { TestPki, type TestCert, type TestPkiOptions, type TestKeyType } from './test-pki.js';
export {
  natTopology,
  natTopologySkipReason,
  NAT_DEVICE_ADDRESS,
  NAT_STATION_ADDRESS,
  type NatTopology,
  type NatTopologyOptions,
} from './nat-topology.js';
export { seededRandom, seededUint32 } from './seeded-random.js';
