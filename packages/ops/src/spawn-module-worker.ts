import { Worker } from 'node:worker_threads';

// A worker is started from this tiny CommonJS bootstrap so that, when Beckon runs from its TypeScript
// sources (through tsx), the worker registers the same loader before importing its entry: Node 20 does
// not hand module hooks on to worker threads.
const BOOTSTRAP = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.loader) (await import(workerData.loader)).register();
  await import(workerData.entry);
})();`;

/**
 * Starts a worker thread running the module `entry` (a `.ts` file when Beckon runs from sources, a `.js`
 * file when built). The module reads its own parameters as `workerData.data`.
 */
export function spawnModuleWorker(entry: URL, data: unknown): Worker {
  const ts = entry.pathname.endsWith('.ts');
  return new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { entry: entry.href, loader: ts ? import.meta.resolve('tsx/esm/api') : undefined, data },
  });
}
