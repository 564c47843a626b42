// The dynamic checks as the rest of rollsafe calls them. The walk runs in a worker this thread can
// stop; migrations are user code that may hang (an unresolved promise, a `while (true)`), exit or
// allocate without end, so they run in a sandboxed process whose memory this thread watches.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { EngineName, HistoryVerdict, MigrationSet, ProtocolResult, ProtocolStepName } from '../types.js';
import type { SandboxExit } from './sandboxed-runner.js';
import type { CheckTarget, WalkEvent, WalkInput } from './walk.js';

export type { CheckTarget } from './walk.js';

export interface CheckOptions {
  engine: EngineName;
  /** pg-mem only: re-check on PGlite whatever pg-mem fails or cannot run, and keep PGlite's verdict. */
  fallback: boolean;
  /** Per migration: past it, the worker is stopped and the migration reported as timed out. */
  timeoutMs: number;
  /** The worker's JavaScript heap cap: past it, the worker is stopped and the migration reported. */
  memoryMb?: number;
  databaseUrl?: string;
  /** After the targets (every migration of the set), roll the whole history up from empty and back down to the base. */
  history?: boolean;
  onProgress?(done: number, total: number, current: string): void;
  /** What the migration at hand is doing (loading, replaying an earlier one, a step), for a progress line. */
  onActivity?(path: string, activity: string): void;
  /** Each migration's verdict as soon as it is known (history verdicts come later, with the whole result). */
  onResult?(path: string, result: ProtocolResult): void;
}

/** A target whose `hasDown` may still be being worked out by the static analysis. */
export interface PendingTarget {
  migration: CheckTarget['migration'];
  hasDown: boolean | Promise<boolean>;
  /** From the static model: false when up does not run in one transaction. */
  transactional?: boolean | Promise<boolean>;
  /** Replay the history up to it and run its up once, nothing more. */
  replayOnly?: boolean;
}

/**
 * Runs the dynamic protocol for each target; results are keyed by migration path. Targets whose
 * `hasDown` is still a promise let the worker boot its engine in the meantime.
 */
export async function checkMigrations(
  set: MigrationSet,
  targets: PendingTarget[],
  options: CheckOptions,
): Promise<Map<string, ProtocolResult>> {
  const results = new Map<string, ProtocolResult>();
  const hangsOnUp: string[] = [];
  const downs = Promise.all(targets.map(async (t) => [t.migration.path, await t.hasDown] as const)).then((entries) => Object.fromEntries(entries));
  let known: Record<string, boolean> | undefined;
  void downs.then((resolved) => (known = resolved));
  const transactional = Promise.all(targets.map(async (t) => [t.migration.path, (await t.transactional) ?? true] as const)).then((entries) => Object.fromEntries(entries));
  let knownTransactional: Record<string, boolean> | undefined;
  void transactional.then((resolved) => (knownTransactional = resolved), () => undefined);
  let remaining = targets;
  while (remaining.length > 0) {
    const input: WalkInput = {
      set,
      targets: remaining.map((t) => ({ migration: t.migration, hasDown: known?.[t.migration.path] ?? false, transactional: knownTransactional?.[t.migration.path], replayOnly: t.replayOnly })),
      engine: options.engine,
      fallback: options.fallback,
      databaseUrl: options.databaseUrl,
      hangsOnUp,
      downsPending: !known,
      history: options.history,
      memoryMb: options.memoryMb,
    };
    const hung = await walkInWorker(input, { timeoutMs: options.timeoutMs, memoryMb: options.memoryMb, onActivity: options.onActivity }, downs, (path, result) => {
      results.set(path, result);
      options.onResult?.(path, result);
      options.onProgress?.(results.size, targets.length, path);
    }, (path, history) => {
      const result = results.get(path);
      if (result) results.set(path, { ...result, history });
    }, transactional);
    if (!hung) break;
    if (hung.hangsOnUp) hangsOnUp.push(hung.hangsOnUp);
    // The worker is gone: a fresh one carries on with what is left.
    remaining = remaining.filter((target) => !results.has(target.migration.path));
  }
  return results;
}

/** Workers cannot catch Ctrl-C: on it, this thread drops the throwaway databases of the run, then dies as asked. */
function dropDatabasesOnSignal(databaseUrl: string): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    void import('../engines/postgres.js')
      .then(({ dropThrowawayDatabasesOfThisProcess }) => dropThrowawayDatabasesOfThisProcess(databaseUrl))
      .catch(() => undefined)
      .finally(() => process.kill(process.pid, signal));
  };
  const release = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return release;
}

interface Hang {
  /** A migration whose up hangs, so later ones need not replay it. */
  hangsOnUp?: string;
}

/** Where the worker is, so a timeout can say which step hung. */
interface Position {
  path: string;
  engine: EngineName;
  checkedFirstOn?: EngineName;
  step?: ProtocolStepName;
  replaying?: string;
  replayingPath?: string;
  /** In the whole-history pass: a hang there ends the pass, not a migration's own check. */
  history?: boolean;
  /** The last statement sent in this window: where a hang was. */
  statement?: string;
}

/** How far statements keep extending a step's window, in multiples of timeouts.migrationMs. */
const windowCapFactor = 6;

function walkInWorker(
  input: WalkInput,
  { timeoutMs, memoryMb, onActivity }: { timeoutMs: number; memoryMb?: number; onActivity?: CheckOptions['onActivity'] },
  downs: Promise<Record<string, boolean>>,
  record: (path: string, result: ProtocolResult) => void,
  attach: (path: string, history: HistoryVerdict) => void,
  transactional?: Promise<Record<string, boolean>>,
): Promise<Hang | undefined> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(input, memoryMb);
    const releaseSignals = input.engine === 'postgres' && input.databaseUrl ? dropDatabasesOnSignal(input.databaseUrl) : undefined;
    let position: Position | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let sandboxPid: number | undefined;
    let memoryWatch: NodeJS.Timeout | undefined;

    const finish = (outcome: { hang?: Hang; error?: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(memoryWatch);
      releaseSignals?.();
      if (sandboxPid) killQuietly(sandboxPid);
      void worker.terminate();
      if (outcome.error) reject(outcome.error);
      else resolve(outcome.hang);
    };
    // A window allows timeoutMs without progress; each statement the migration sends extends it, up to
    // `windowCapFactor` times timeoutMs per step: heavy DDL (256 partitions) passes, a hang or an endless loop does not.
    let windowStart = Date.now();
    let stepStart = windowStart;
    let extended = false;
    const expire = () => {
      if (!position) return finish({ error: new Error(`the migration checks did not start within ${timeoutMs} ms`) });
      if (position.history) return finish({});
      finish({ hang: recordTimeout(position, extended ? Date.now() - windowStart : timeoutMs, input, record) });
    };
    const arm = () => {
      clearTimeout(timer);
      windowStart = stepStart = Date.now();
      extended = false;
      if (position) position.statement = undefined;
      timer = setTimeout(expire, timeoutMs);
    };
    const extend = () => {
      const left = timeoutMs * windowCapFactor - (Date.now() - stepStart);
      if (left <= 0) return;
      extended = true;
      clearTimeout(timer);
      timer = setTimeout(expire, Math.min(timeoutMs, left));
    };

    if (input.downsPending) {
      void Promise.all([downs, transactional]).then(([resolved, inTransaction]) => worker.postMessage({ downs: resolved, transactional: inTransaction }), (error: Error) => finish({ error }));
    }

    worker.on('message', (event: WalkEvent | { type: 'done' } | { type: 'failed'; name?: string; message: string }) => {
      const activity = activityOf(event);
      if (activity) onActivity?.(activity.path, activity.doing);
      switch (event.type) {
        case 'booting':
          clearTimeout(timer);
          break;
        case 'start':
          position = { path: event.path, engine: event.engine, checkedFirstOn: event.checkedFirstOn };
          arm();
          break;
        case 'replay': {
          if (position) {
            position.replaying = event.replaying;
            position.replayingPath = input.set.migrations.find((m) => m.id === event.replaying)?.path;
            position.step = undefined;
          }
          arm();
          break;
        }
        case 'step':
          if (position) {
            position.step = event.step;
            position.replaying = undefined;
          }
          // One window for the protocol's steps; the replays before it had their own. Each step has its own cap.
          if (event.step === 'up') arm();
          else stepStart = Date.now();
          break;
        case 'statement':
          if (position) {
            position.statement = event.sql;
            extend();
          }
          break;
        case 'result':
          clearTimeout(timer);
          position = undefined;
          record(event.path, event.result);
          break;
        case 'history-step':
          position = { path: event.path, engine: input.engine, history: true };
          arm();
          break;
        case 'history':
          clearTimeout(timer);
          position = undefined;
          for (const [path, verdict] of Object.entries(event.verdicts)) attach(path, { engine: event.engine, ...verdict });
          break;
        case 'sandbox':
          sandboxPid = event.pid;
          // Buffers and wasm live outside the JavaScript heap: the cap is on the whole process.
          if (memoryMb) {
            memoryWatch = setInterval(() => {
              const rss = residentBytes(event.pid);
              if (rss === undefined || rss <= memoryMb * 1024 * 1024) return;
              if (!position || position.history) return finish({});
              finish({ hang: recordStop(position, input, record, (step) => ({ outOfMemory: { step: step === 'load' ? 'up' : step, mb: memoryMb } }), `its up used more than ${memoryMb} MB of memory`) });
            }, 50);
          }
          break;
        case 'sandbox-exit': {
          if (!position) return finish({ error: new Error(`the process that runs the migrations stopped: ${exitReason(event.exit)}`) });
          if (position.history) return finish({});
          const mb = memoryMb ?? 0;
          if (event.exit.outOfMemory) return finish({ hang: recordStop(position, input, record, (step) => ({ outOfMemory: { step: step === 'load' ? 'up' : step, mb } }), `its up used more than ${mb} MB of memory`) });
          const message = exitReason(event.exit);
          finish({ hang: recordStop(position, input, record, (step) => ({ crashed: { step, message } }), message) });
          break;
        }
        case 'done':
          finish({});
          break;
        case 'failed':
          if (event.name && expectedFailures.has(event.name)) return finish({ error: namedError(event.name, event.message) });
          // rollsafe's own failure on one migration is that migration's finding; the others still run.
          if (position && !position.history) {
            const message = `rollsafe failed on it: ${process.env.ROLLSAFE_DEBUG ? event.message : event.message.split('\n')[0]}`;
            return finish({ hang: recordStop(position, input, record, (step) => ({ crashed: { step, message } }), message) });
          }
          finish({ error: new Error(`the migration checks failed: ${event.message}`) });
          break;
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      // The heap cap stops the worker as a hang would: the migration at hand is reported, a fresh worker goes on.
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY' && position && !position.history && memoryMb) {
        return finish({ hang: recordStop(position, input, record, (step) => ({ outOfMemory: { step: step === 'load' ? 'up' : step, mb: memoryMb } }), `its up used more than ${memoryMb} MB of memory`) });
      }
      finish({ error });
    });
    worker.on('exit', (code) => {
      if (!settled) finish({ error: new Error(`the migration checks stopped unexpectedly (exit code ${code})`) });
    });
  });
}

function activityOf(event: WalkEvent | { type: string }): { path: string; doing: string } | undefined {
  const e = event as WalkEvent;
  if (e.type === 'start') return { path: e.path, doing: e.checkedFirstOn ? `re-checking on ${e.engine}` : 'loading' };
  if (e.type === 'replay') return { path: e.path, doing: `replaying ${e.replaying}` };
  if (e.type === 'step') return { path: e.path, doing: e.step };
  if (e.type === 'history-step') return { path: e.path, doing: `whole history, ${e.direction}` };
  return undefined;
}

function recordTimeout(
  position: Position,
  ms: number,
  input: WalkInput,
  record: (path: string, result: ProtocolResult) => void,
): Hang {
  const base = { engine: position.engine, ...(position.checkedFirstOn ? { checkedFirstOn: position.checkedFirstOn } : {}), steps: [] };
  const seconds = Math.round(ms / 100) / 10;
  const inStatement = position.statement ? `, in \`${oneLine(position.statement)}\`` : '';
  if (position.replaying) {
    const message = `its up did not finish within ${seconds} s${inStatement}`;
    record(position.path, { ...base, replayError: { migration: position.replaying, message, cause: 'stopped' } });
    return { hangsOnUp: position.replayingPath };
  }
  // No step yet means it hung while loading, which replaying it would do again.
  const step = position.step ?? 'up';
  record(position.path, { ...base, timedOut: { step, ms, ...(position.statement ? { statement: oneLine(position.statement) } : {}) } });
  const target = input.targets.find((t) => t.migration.path === position.path);
  return { hangsOnUp: step === 'up' && target ? target.migration.path : undefined };
}

function oneLine(sql: string): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/** The migration at hand stopped the walk (memory, exit, escaped error): its finding, and whether later ones may replay it. */
function recordStop(
  position: Position,
  input: WalkInput,
  record: (path: string, result: ProtocolResult) => void,
  verdict: (step: ProtocolStepName | 'load') => Partial<ProtocolResult>,
  replayMessage: string,
): Hang {
  const base = { engine: position.engine, ...(position.checkedFirstOn ? { checkedFirstOn: position.checkedFirstOn } : {}), steps: [] };
  if (position.replaying) {
    record(position.path, { ...base, replayError: { migration: position.replaying, message: replayMessage, cause: 'stopped' } });
    return { hangsOnUp: position.replayingPath };
  }
  const step = position.step ?? 'load';
  record(position.path, { ...base, ...verdict(step) });
  const target = input.targets.find((t) => t.migration.path === position.path);
  return { hangsOnUp: (step === 'up' || step === 'load') && target ? target.migration.path : undefined };
}

function exitReason(exit: SandboxExit): string {
  if (exit.escaped) return `an error escaped its step after it returned (${exit.escaped})`;
  if (exit.signal) return `the process running it was killed (${exit.signal})`;
  return `it ended the process running it (exit code ${exit.code}, e.g. process.exit)`;
}

/** Resident memory of a process, from Linux's /proc; undefined elsewhere or once it is gone. */
function residentBytes(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The worker runs from dist/ as .js; from sources (vitest, tsx) it is loaded through tsx. */
function spawnWorker(input: WalkInput, memoryMb?: number): Worker {
  const here = import.meta.url;
  const resourceLimits = memoryMb ? { maxOldGenerationSizeMb: memoryMb } : undefined;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here), { workerData: input, resourceLimits });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', here).href;
  // An eval'd entry, because Node 20 workers ignore `--import` loaders in execArgv.
  const code = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}))`;
  return new Worker(code, { eval: true, workerData: input, resourceLimits });
}

// The project's own setup, not a bug: said in one line (the CLI prints no stack for these names).
const expectedFailures = new Set(['FrameworkVersionError', 'ConfigError', 'SetupError']);

function namedError(name: string, stack: string): Error {
  const error = new Error(stack.replace(new RegExp(`^${name}: `), '').split('\n    at ')[0]);
  error.name = name;
  return error;
}
