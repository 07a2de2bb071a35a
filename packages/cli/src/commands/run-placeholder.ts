import type { RoleRunner } from './run-components.js';
import { untilAborted } from './run-components.js';

/**
 * Stand-in for a role whose package is not wired into the CLI yet: logs that, then idles until asked
 * to stop. Replaced by the real `run` of @beckon/station, @beckon/device and the overlay node.
 */
export function placeholderRunner(role: string): RoleRunner {
  return async (_config, components) => {
    const { signal } = components;
    const log = components.log.child({ component: role });
    log.info({ placeholder: role }, 'not yet implemented');
    await untilAborted(signal);
    log.info('stopped');
  };
}

export const runStation: RoleRunner = placeholderRunner('station');
export const runDevice: RoleRunner = placeholderRunner('device');
export const runOverlay: RoleRunner = placeholderRunner('overlay');
