import type { Command } from '../command.js';
import { runDevice } from '@beckon/device';
import { runStationWithServices } from '@beckon/station';
import { runOverlay } from './run-placeholder.js';
import { runOptions, runRole } from './run-role.js';

export const stationCommand: Command = {
  path: ['station'],
  summary: 'Run the management station',
  description:
    'Runs the management station: SIP registrar and management-req notifier, SNMP agent (SIP MIB), call-home\n' +
    'listener, REST API, web UI and Prometheus metrics, as configured. Runs until SIGINT/SIGTERM.',
  positionals: '',
  arity: [0, 0],
  options: runOptions,
  run: (args, io) =>
    runRole(args, io, { role: 'station', runner: (config, c) => runStationWithServices(config, c) }),
};

export const deviceCommand: Command = {
  path: ['device'],
  summary: 'Run a simulated managed device (or a fleet of them)',
  description:
    'Runs simulated SIP devices that register, subscribe to management-req and call home when notified.\n' +
    'Runs until SIGINT/SIGTERM.',
  positionals: '',
  arity: [0, 0],
  options: runOptions,
  run: (args, io) => runRole(args, io, { role: 'device', runner: (config, c) => runDevice(config, c) }),
};

export const overlayCommand: Command = {
  path: ['overlay'],
  summary: 'Run a RELOAD overlay node with the SNMP usage',
  description:
    'Runs a RELOAD overlay node that registers or looks up the network manager (SNMP usage for RELOAD).\n' +
    'Runs until SIGINT/SIGTERM.',
  positionals: '',
  arity: [0, 0],
  options: runOptions,
  run: (args, io) => runRole(args, io, { role: 'overlay', runner: runOverlay }),
};
