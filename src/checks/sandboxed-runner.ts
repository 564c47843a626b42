// The trusted side of the sandbox: starts the process where migration code runs (sandbox-process.ts)
// and answers its queries from the engine, which stays here. Node's permission model walls that
// process in: no child processes, no worker threads, no native addons, file writes only to
// rollsafe's own caches; its environment is built here and holds no credential.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationLoadError } from '../load/index.js';
import { MigrationRunError, type Engine, type EngineName, type MigrationRunner, type MigrationSet, type ProtocolResult, type SandboxViolation, type SourceLocation } from '../types.js';
import { connectRpc, reviveError, type Rpc, type SerializedError } from './rpc.js';
import { scrubEnvironment } from './sandbox.js';

/** Frameworks whose migrations are JavaScript or TypeScript: those run in the sandboxed process. */
const codeFrameworks = new Set(['knex', 'node-pg-migrate', 'sequelize', 'typeorm', 'mikro-orm', 'kysely']);

export function runsUserCode(framework: string): boolean {
  return codeFrameworks.has(framework);
}

/** How the sandboxed process ended while it was still needed. */
export interface SandboxExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What it said last: an error that escaped a step, or V8 running out of heap. */
  escaped?: string;
  outOfMemory: boolean;
}

export interface SandboxedProcess {
  readonly pid: number;
  /** What the migrations are doing now ('load', 'up'…), recorded with each blocked attempt. */
  during: SandboxViolation['during'];
  load(path: string): Promise<ProtocolResult['loadError']>;
  /** The framework's runner, in the sandboxed process, bound to `engine` (still booting, maybe), which stays here. */
  runner(name: EngineName, engine: Promise<Engine>): Promise<MigrationRunner>;
  violations(): Promise<SandboxViolation[]>;
  close(): void;
}

/** The flag that turns the permission model on: `--permission` from Node 22, experimental before. */
export function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
}

/**
 * The only folders the sandboxed process may write to: V8's code cache and tsx's transform cache. Not
 * the replay cache nor PGlite's, which the trusted side reads back: a migration must not forge them.
 */
function writableFolders(projectDir: string): string[] {
  const modules = join(projectDir, 'node_modules');
  const folders = [join(tmpdir(), `tsx-${userInfo().uid}`), existsSync(modules) ? join(modules, '.cache', 'rollsafe', 'v8') : join(tmpdir(), 'rollsafe', 'v8')];
  for (const folder of folders) mkdirSync(folder, { recursive: true });
  return folders;
}

/** What the sandboxed process gets of the environment: nothing that names a server or a secret. */
function sandboxEnvironment(): NodeJS.ProcessEnv {
  const kept = ['HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_ENV', 'ROLLSAFE_DEBUG'];
  const env: NodeJS.ProcessEnv = {};
  for (const name of kept) if (process.env[name] !== undefined) env[name] = process.env[name];
  scrubEnvironment(env);
  return env;
}

/** Built JavaScript: from sources (vitest) the process still starts from dist/, as Node cannot load TS under the permission model. */
function entry(): string {
  const here = import.meta.url;
  const built = new URL(here).pathname.endsWith('.ts') ? new URL('../../dist/src/checks/sandbox-process.js', here) : new URL('./sandbox-process.js', here);
  const path = fileURLToPath(built);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\``);
  return path;
}

export async function startSandboxedProcess(
  set: MigrationSet,
  { memoryMb, onExit }: { memoryMb?: number; onExit(exit: SandboxExit): void },
): Promise<SandboxedProcess> {
  const execArgv = [
    permissionFlag(),
    '--allow-fs-read=*',
    ...writableFolders(set.projectDir).map((folder) => `--allow-fs-write=${folder}/*`),
    ...(memoryMb ? [`--max-old-space-size=${memoryMb}`] : []),
  ];
  const debug = Boolean(process.env.ROLLSAFE_DEBUG);
  const child: ChildProcess = fork(entry(), [], {
    execArgv,
    env: sandboxEnvironment(),
    cwd: set.projectDir,
    stdio: ['ignore', debug ? 'inherit' : 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8192);
    if (debug) process.stderr.write(chunk);
  });
  let closing = false;
  const engines = new Map<number, Promise<Engine>>();
  /** The engine's own errors, by message: their class does not cross the channel, and isUnsupported may need it. */
  const recentErrors: Error[] = [];
  const remember = (error: unknown) => {
    if (error instanceof Error) recentErrors.unshift(error);
    recentErrors.length = Math.min(recentErrors.length, 32);
    throw error;
  };
  const engine = async (id: number) => {
    const found = engines.get(id);
    if (!found) throw new Error(`no engine ${id}`);
    return found;
  };
  const rpc: Rpc = connectRpc(
    child,
    {
      query: async (id: number, sql: string, params?: unknown[]) => (await engine(id)).query(sql, params?.map(bufferOf)).catch(remember),
      exec: async (id: number, sql: string) => (await engine(id)).exec(sql).catch(remember),
      snapshot: async (id: number) => (await engine(id)).snapshot(),
      reset: async (id: number) => (await engine(id)).reset(),
      isUnsupported: async (id: number, error: SerializedError) => {
        const original = recentErrors.find((e) => e.message === error.message);
        return (await engine(id)).isUnsupported(original ?? reviveError(error));
      },
    },
    reviveRunnerError,
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if ((message as { ready?: boolean })?.ready) {
        child.off('message', onMessage);
        resolve();
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code, signal) => reject(new Error(`the sandboxed process did not start (${signal ?? `exit code ${code}`}): ${lastLine(stderr)}`)));
  });
  child.once('exit', (code, signal) => {
    if (closing) return;
    const escaped = /rollsafe-escaped: (.*)/.exec(stderr)?.[1];
    onExit({ code, signal, escaped, outOfMemory: /JavaScript heap out of memory|Reached heap limit/.test(stderr) });
  });
  await ready.catch((error: Error) => {
    closing = true;
    throw error;
  });
  await rpc.call('init', set);
  let nextId = 0;
  const sandboxed: SandboxedProcess = {
    pid: child.pid!,
    during: undefined,
    load: (path) => {
      sandboxed.during = 'load';
      return rpc.call('load', path);
    },
    async runner(name, bound) {
      const id = ++nextId;
      engines.set(id, bound);
      await rpc.call('createRunner', id, name);
      return {
        run: (migration, direction) => rpc.call('run', id, migration.path, direction, sandboxed.during),
        close: () => rpc.call('closeRunner', id),
      };
    },
    violations: () => rpc.call('violations'),
    close() {
      closing = true;
      child.kill('SIGKILL');
    },
  };
  return sandboxed;
}

function bufferOf(value: unknown): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

/** Runner errors keep their class: the protocol reads a MigrationRunError's line and a MigrationLoadError's kind. */
function reviveRunnerError(serialized: SerializedError): Error {
  const fields = serialized.fields as { loc?: SourceLocation; sql?: string; unsupported?: boolean };
  let error: Error;
  if (serialized.name === 'MigrationRunError') error = new MigrationRunError(serialized.message, fields.loc, fields.sql, fields.unsupported);
  else if (serialized.name === 'MigrationLoadError') error = new MigrationLoadError(serialized.message, fields.loc);
  else return reviveError(serialized);
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((line) => !/ExperimentalWarning|--trace-warnings/.test(line)).at(-1) ?? '';
}
