// Worker entry: walks the targets it is given and reports each event to the main thread, which owns
// the clock. This thread is trusted: it holds the engine and judges. Migration code runs in the
// sandboxed process it starts (sandboxed-runner.ts); only SQL files and Alembic's Python helper
// (a process of its own) are run from here.
import { parentPort, workerData } from 'node:worker_threads';
import { scrubEnvironment } from './sandbox.js';
import { walkSet, type WalkInput } from './walk.js';

if (!parentPort) throw new Error('src/checks/worker is meant to run in a worker thread');
const port = parentPort;
if (!process.env.ROLLSAFE_DEBUG) {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) console[method] = () => undefined;
}
const input = workerData as WalkInput;
// Alembic's Python process inherits this thread's environment: no credential reaches the revisions.
if (input.set.framework === 'alembic') scrubEnvironment(process.env);
const facts = input.downsPending
  ? new Promise<{ downs: Record<string, boolean>; transactional?: Record<string, boolean> }>((resolve) => port.once('message', resolve))
  : undefined;
const downs = facts?.then((message) => message.downs);
walkSet(input, (event) => port.postMessage(event), downs, facts?.then((message) => message.transactional)).then(
  () => port.postMessage({ type: 'done' }),
  (error: unknown) =>
    port.postMessage({ type: 'failed', name: error instanceof Error ? error.name : undefined, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
