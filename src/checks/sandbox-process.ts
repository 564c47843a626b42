// Entry of the sandboxed process: the only place where migration code runs. Started by
// src/checks/sandboxed-runner.ts under Node's permission model, with an environment that holds no
// credentials. It holds no engine and no socket: each query the framework sends is a call to the
// trusted side, which owns the engine, takes the snapshots and judges. What this process tells is
// only how a step ended; the verdict comes from the engine's state.
import { catchUnhandledRejections, FloatingWatch } from './floating.js';
import { messageOf } from './message.js';
import { installSandbox } from './sandbox.js';
import { connectRpc, serializeError } from './rpc.js';
import { createPgDriver, type DriverQueryResult } from '../engines/pg-driver.js';
import { loadAdapter } from '../frameworks/index.js';
import type { FrameworkAdapter } from '../frameworks/adapter.js';
import { migrationImporter, MigrationLoadError, requireFromProject } from '../load/index.js';
import { installTranspiler } from '../load/transpile.js';
import type { Direction, Engine, EngineName, MigrationRunner, MigrationSet, ProtocolResult, RunReport, SandboxViolation } from '../types.js';

if (!process.send) throw new Error('src/checks/sandbox-process is meant to run as a child process with an IPC channel');

// Migrations and frameworks print: the hook's output is rollsafe's findings alone, unless debugging.
if (!process.env.ROLLSAFE_DEBUG) {
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) console[method] = () => undefined;
}
// What escapes a step (a promise that rejects later, a throw from a timer) ends this process; the
// trusted side charges it to the migration at hand and goes on with a fresh process.
const escaped = (error: unknown) => {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`\nrollsafe-escaped: ${message.split('\n')[0]}\n`);
  process.exit(70);
};
// A rejection while a step is watched is that step's floating query, not the end of the process.
catchUnhandledRejections(escaped);
process.on('uncaughtException', escaped);
process.on('disconnect', () => process.exit(0));

const sandbox = installSandbox({ allowed: [], files: [] });
installTranspiler();

let set: MigrationSet;
let adapter: FrameworkAdapter;
const importOnce = migrationImporter(() => set.projectDir);
const runners = new Map<number, MigrationRunner>();
/** Each runner's engine stand-in, watched for the queries a step leaves floating (their origin is known only here). */
const watches = new Map<number, FloatingWatch>();
const protocolSteps = new Set<string>(['up', 'up-again', 'down', 'down-again', 'up-after-down']);

/** The engine as the framework sees it: each call crosses to the trusted side. */
function remoteEngine(id: number, name: EngineName): Engine {
  const engine: Engine = {
    name,
    query: async (sql, params) => buffersBack(await rpc.call<DriverQueryResult>('query', id, sql, params)),
    exec: (sql) => rpc.call('exec', id, sql),
    snapshot: () => rpc.call('snapshot', id),
    pgDriver: () => createPgDriver(engine),
    reset: () => rpc.call('reset', id),
    isUnsupported: (error) => rpc.call<boolean>('isUnsupported', id, serializeError(error)),
    close: async () => undefined,
  };
  return engine;
}

/** bytea values cross the channel as Uint8Array: the framework expects pg's Buffers. */
function buffersBack(result: DriverQueryResult): DriverQueryResult {
  for (const row of result.rows as unknown[]) {
    if (!row || typeof row !== 'object') continue;
    for (const [key, value] of Object.entries(row)) {
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) (row as Record<string, unknown>)[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return result;
}

const rpc = connectRpc(process, {
  async init(given: MigrationSet) {
    set = given;
    sandbox.files = new Set(set.migrations.flatMap((m) => (m.downPath ? [m.path, m.downPath] : [m.path])));
    adapter = await loadAdapter(set.framework);
  },
  async load(path: string): Promise<ProtocolResult['loadError']> {
    sandbox.during = 'load';
    try {
      await importOnce(path);
      return undefined;
    } catch (error) {
      if (error instanceof MigrationLoadError) return { message: error.message, ...(error.loc ? { loc: error.loc } : {}) };
      return { message: error instanceof Error ? error.message : String(error) };
    }
  },
  async createRunner(id: number, engineName: EngineName) {
    const engine = remoteEngine(id, engineName);
    watches.set(id, new FloatingWatch(engine, messageOf));
    const runner = await adapter.createRunner({
      engine,
      set,
      importMigration: importOnce,
      requireFromProject: <T>(specifier: string) => requireFromProject<T>(specifier, set.projectDir),
    });
    runners.set(id, runner);
  },
  async run(id: number, path: string, direction: Direction, during: SandboxViolation['during']) {
    const migration = set.migrations.find((m) => m.path === path);
    if (!migration) throw new Error(`not a migration of this set: ${path}`);
    sandbox.during = during;
    // Only a protocol step is watched: replays and the deeper phases judge no floating query.
    const watch = during && protocolSteps.has(during) ? watches.get(id) : undefined;
    if (!watch) return void (await runners.get(id)!.run(migration, direction));
    watch.begin(migration.downPath ? [migration.path, migration.downPath] : [migration.path]);
    let failure: { error: unknown } | undefined;
    try {
      await runners.get(id)!.run(migration, direction);
    } catch (error) {
      failure = { error };
    }
    const floating = await watch.settle({ stepFailed: failure !== undefined });
    if (failure) throw failure.error;
    return { floating } satisfies RunReport;
  },
  async closeRunner(id: number) {
    await runners.get(id)?.close();
    runners.delete(id);
    watches.get(id)?.dispose();
    watches.delete(id);
  },
  violations: () => sandbox.takeViolations(),
});
process.send({ ready: true });
