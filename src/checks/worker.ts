// Worker entry: walks the targets it is given and reports each event to the main thread,
// which owns the clock (a migration may hang this thread for good).
import { parentPort, workerData } from 'node:worker_threads';
import { endpointsOf, installSandbox } from './sandbox.js';
import { walkSet, type WalkInput } from './walk.js';

if (!parentPort) throw new Error('src/checks/worker is meant to run in a worker thread');
const port = parentPort;
// Migrations and frameworks print (knex's deprecation notices, a migration's console.log): the
// hook's output is rollsafe's findings alone, unless debugging.
if (!process.env.ROLLSAFE_DEBUG) {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) console[method] = () => undefined;
}
const input = workerData as WalkInput;
// Before any migration loads: only the postgres engine's own server may be reached.
const sandbox = installSandbox({
  allowed: input.engine === 'postgres' && input.databaseUrl ? endpointsOf(input.databaseUrl) : [],
  files: input.set.migrations.flatMap((m) => (m.downPath ? [m.path, m.downPath] : [m.path])),
});
const facts = input.downsPending
  ? new Promise<{ downs: Record<string, boolean>; transactional?: Record<string, boolean> }>((resolve) => port.once('message', resolve))
  : undefined;
const downs = facts?.then((message) => message.downs);
walkSet(input, (event) => port.postMessage(event), downs, sandbox, facts?.then((message) => message.transactional)).then(
  () => port.postMessage({ type: 'done' }),
  (error: unknown) =>
    port.postMessage({ type: 'failed', name: error instanceof Error ? error.name : undefined, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
