import type { TaskOp } from './task-op.js';

/** A named set of operations (what an operator asks for by one word). */
export interface TaskRecipe {
  readonly name: string;
  readonly description: string;
  readonly ops: readonly TaskOp[];
}

/** Recipes Beckon ships; a station may add its own (TaskService init `recipes`). */
export const BUILTIN_RECIPES: readonly TaskRecipe[] = [
  {
    name: 'sip-ua-config',
    description: "The device's SIP configuration: SIP-UA-MIB servers, SIP-COMMON-MIB configuration, identity",
    ops: [
      { op: 'get', oids: ['sysDescr.0', 'sysObjectID.0', 'sysName.0', 'sysUpTime.0'] },
      { op: 'walk', root: 'sipUACfgServerTable' },
      { op: 'walk', root: 'sipCommonCfgTable' },
      { op: 'walk', root: 'sipCommonPortTable' },
      { op: 'walk', root: 'sipCommonCfgTimerTable' },
    ],
  },
  {
    name: 'system',
    description: 'SNMPv2-MIB system group',
    ops: [{ op: 'walk', root: 'system' }],
  },
  {
    name: 'sip-stats',
    description: 'SIP-COMMON-MIB summary and method statistics',
    ops: [
      { op: 'walk', root: 'sipCommonSummaryStatsTable' },
      { op: 'walk', root: 'sipCommonMethodStatsTable' },
    ],
  },
];
