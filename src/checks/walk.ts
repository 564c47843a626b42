// Walks the targets of one migration set in order on one engine, re-checking on PGlite whatever
// pg-mem fails, finds or cannot run. Runs inside the worker; tells the main thread where it is.
import { readFile } from 'node:fs/promises';
import { createEngine } from '../engines/index.js';
import { loadAdapter } from '../frameworks/index.js';
import { migrationImporter, MigrationLoadError, requireFromProject } from '../load/index.js';
import type { Engine, EngineName, MigrationFile, MigrationRunner, MigrationSet, ProtocolResult, ProtocolStepName } from '../types.js';
import type { HistoryVerdict } from './history.js';
import { catchUnhandledRejections } from './floating.js';
import { messageOf, runProtocol, type KnownSchema } from './protocol.js';
import { ReplayCache } from './replay-cache.js';
import { applySetupOnReset, SetupError } from './setup.js';
import { runsUserCode, startSandboxedProcess, type SandboxedProcess, type SandboxExit } from './sandboxed-runner.js';

export interface CheckTarget {
  migration: MigrationFile;
  hasDown: boolean;
  /** False when up does not run in one transaction (static model): resumable-up checks it. */
  transactional?: boolean;
  /** Replay the history up to it and run its up once, nothing more (protocol.ts). */
  replayOnly?: boolean;
}

export interface WalkInput {
  set: MigrationSet;
  targets: CheckTarget[];
  engine: EngineName;
  fallback: boolean;
  databaseUrl?: string;
  /** Migrations whose up already hung once: replaying them would only hang again. */
  hangsOnUp: string[];
  /** The targets' `hasDown` arrive later (the static analysis is still running): wait for them before the first protocol. */
  downsPending?: boolean;
  /** `lint --all`: after the targets, the whole history up from empty and down to the base (history.ts). */
  history?: boolean;
  /** The sandboxed process's JavaScript heap cap (its whole memory is watched by the main thread). */
  memoryMb?: number;
}

/** What the worker tells the main thread, in order, for each target. */
export type WalkEvent =
  | { type: 'booting'; engine: EngineName }
  | { type: 'start'; path: string; engine: EngineName; checkedFirstOn?: EngineName }
  | { type: 'replay'; path: string; replaying: string }
  | { type: 'step'; path: string; step: ProtocolStepName }
  /** A statement the migration sent: progress, which extends the window it runs in (see checks/index.ts). */
  | { type: 'statement'; sql: string }
  | { type: 'result'; path: string; result: ProtocolResult }
  | { type: 'history-step'; path: string; direction: 'up' | 'down' }
  | { type: 'history'; engine: EngineName; verdicts: Record<string, HistoryVerdict> }
  /** The process where migration code runs (its memory is watched, and it is killed with the walk). */
  | { type: 'sandbox'; pid: number }
  /** That process ended while it was needed: the migration at hand stopped it. */
  | { type: 'sandbox-exit'; exit: SandboxExit };

interface EngineState {
  engine: Engine;
  runner: MigrationRunner;
  replayCache: ReplayCache;
  /** How many migrations of the set the engine holds, in order. */
  applied: number;
  /** The schema at that many migrations, when the last protocol saw it (only kept with a checkpoint). */
  knownSchema?: KnownSchema;
}

export async function walkSet(
  input: WalkInput,
  tell: (event: WalkEvent) => void,
  downs?: Promise<Record<string, boolean>>,
  transactional?: Promise<Record<string, boolean> | undefined>,
): Promise<void> {
  // Migration code runs in a process of its own, started while the engine boots here.
  const starting = runsUserCode(input.set.framework)
    ? startSandboxedProcess(input.set, { memoryMb: input.memoryMb, onExit: (exit) => tell({ type: 'sandbox-exit', exit }) })
    : undefined;
  void starting?.then((started) => tell({ type: 'sandbox', pid: started.pid }), () => undefined);
  const frameworkAdapter = await loadAdapter(input.set.framework);
  // What the framework runs on connect joins the config's setup: both precede the first migration.
  const implied = (await frameworkAdapter.impliedSetup?.(input.set)) ?? [];
  const set: MigrationSet = implied.length ? { ...input.set, setup: [...(input.set.setup ?? []), ...implied] } : input.set;
  // pg-mem hands to PGlite a set whose setup it cannot run.
  let primary = input.engine;
  const adapter = starting ? undefined : frameworkAdapter;
  let sandbox: SandboxedProcess | undefined;
  const importOnce = migrationImporter(() => set.projectDir);
  const engines = new Map<EngineName, EngineState>();

  async function stateOf(name: EngineName): Promise<EngineState> {
    let state = engines.get(name);
    if (!state) {
      // PGlite takes a while to boot: it is created only when a target first needs it, off the clock.
      tell({ type: 'booting', engine: name });
      const booting = createEngine(name, { databaseUrl: input.databaseUrl, extensions: name === 'pglite' ? await extensionsMentioned(set) : undefined }).then(
        async (engine) => {
          applySetupOnReset(engine, set.setup);
          reportStatements(engine, (sql) => tell({ type: 'statement', sql }));
          // A setup that fails is said once, before any migration runs.
          if (set.setup?.length) {
            await engine.reset().catch(async (error: unknown) => {
              await engine.close().catch(() => undefined);
              throw error;
            });
          }
          return engine;
        },
      );
      // The framework loads in the sandboxed process while the engine boots here.
      const creatingRunner = starting
        ? starting.then((started) => (sandbox = started).runner(name, booting))
        : booting.then((engine) =>
            adapter!.createRunner({
              engine,
              set,
              importMigration: importOnce,
              requireFromProject: <T>(specifier: string) => requireFromProject<T>(specifier, set.projectDir),
            }),
          );
      // A framework that does not load (not installed, not built) is the project's setup, said in one line.
      const creatingRunnerOrSetupError = creatingRunner.catch((error: unknown) => {
        throw frameworkLoadError(set, error);
      });
      creatingRunnerOrSetupError.catch(() => undefined);
      const [engine, runner, replayCache] = await Promise.all([booting, creatingRunnerOrSetupError, ReplayCache.open(set, name)]);
      state = { engine, runner, replayCache, applied: 0 };
      engines.set(name, state);
    }
    return state;
  }

  /** The verdict, and whether it is the code's own failure, which no other engine would overturn. */
  async function checkOn(name: EngineName, target: CheckTarget, checkedFirstOn?: EngineName): Promise<{ result: ProtocolResult; engineIndependent: boolean }> {
    const state = await stateOf(name);
    const path = target.migration.path;
    if (checkedFirstOn) tell({ type: 'start', path, engine: name, checkedFirstOn });
    const hung = earlierHanging(set, target.migration, input.hangsOnUp);
    if (hung) {
      const result = { engine: name, steps: [], replayError: { migration: hung.id, message: 'its up was stopped (it ran past the timeout or the memory cap, or ended the process running it)', cause: 'stopped' as const } };
      return { result, engineIndependent: true };
    }
    // A real server copies the earlier migrations from a kept template rather than replaying them.
    if (state.applied === 0 && state.engine.templates) {
      const { startFromTemplate } = await import('./templates.js');
      const index = set.migrations.findIndex((m) => m.path === path);
      state.applied = await startFromTemplate({ ...state, set }, index, (earlier) => tell({ type: 'replay', path, replaying: earlier.id }));
    }
    const { result, applied, replayFailedToLoad, knownSchema } = await runProtocol({
      engine: state.engine,
      runner: state.runner,
      replayCache: state.replayCache,
      set,
      migration: target.migration,
      hasDown: target.hasDown,
      transactional: target.transactional,
      replayOnly: target.replayOnly,
      // Whatever pg-mem does not pass clean, PGlite checks again and only its verdict counts.
      stopAtFirstFailure: name === 'pg-mem' && input.fallback,
      applied: state.applied,
      knownSchema: state.knownSchema,
      onProgress: (event) => {
        if (sandbox) sandbox.during = 'step' in event ? event.step : undefined;
        tell('step' in event ? { type: 'step', path, step: event.step } : { type: 'replay', path, replaying: event.replaying.id });
      },
    });
    state.applied = applied;
    state.knownSchema = knownSchema;
    return { result: checkedFirstOn ? { ...result, checkedFirstOn } : result, engineIndependent: Boolean(replayFailedToLoad) };
  }

  /** The whole history on the engine, confirmed on PGlite when pg-mem finds anything or cannot run it. */
  async function walkHistory(hasDown: Record<string, boolean> | undefined, reached: (path: string) => void): Promise<void> {
    const { runHistory } = await import('./history.js');
    const hasDownOf = (m: MigrationFile) => hasDown?.[m.path] ?? input.targets.find((t) => t.migration.path === m.path)?.hasDown ?? false;
    const on = async (name: EngineName) => {
      const state = await stateOf(name);
      // The history leaves the engine at the base, not after any migration.
      state.applied = 0;
      state.knownSchema = undefined;
      return runHistory({
        engine: state.engine,
        runner: state.runner,
        set,
        replayCache: state.replayCache,
        hasDown: hasDownOf,
        onProgress: (migration, direction) => {
          reached(migration.path);
          if (sandbox) sandbox.during = direction;
          tell({ type: 'history-step', path: migration.path, direction });
        },
      });
    };
    let engine = primary;
    let run = await on(engine);
    if (engine === 'pg-mem' && input.fallback && (run.notRun?.unsupported || run.verdicts.size > 0)) run = await on((engine = 'pglite'));
    // Refused connections were reported by each migration's own check.
    await sandbox?.violations();
    // A way up that fails is each failing migration's own finding.
    if (run.notRun) return;
    tell({ type: 'history', engine, verdicts: Object.fromEntries(run.verdicts) });
  }

  /** After rollsafe's own failure on a migration, nothing the engines hold can be trusted: the next target starts afresh. */
  async function discardEngines(): Promise<void> {
    for (const [name, { engine, runner }] of engines) {
      engines.delete(name);
      await runner.close().catch(() => undefined);
      await engine.close().catch(() => undefined);
    }
  }

  // A promise the migration let fail is its step's finding (floating-query); none ends the run.
  const stopCatching = catchUnhandledRejections((reason) => debug('an unhandled rejection outside any step', reason));
  try {
    // Boot the engine and the framework while the main thread is still reading the migrations.
    await stateOf(primary).catch(async (error: unknown) => {
      if (!(error instanceof SetupError && error.engineLimit && primary === 'pg-mem' && input.fallback)) throw error;
      await stateOf((primary = 'pglite'));
    });
    const hasDown = downs ? await downs : undefined;
    const inTransaction = transactional ? await transactional : undefined;
    for (const target of inSetOrder(set, input.targets)) {
      if (hasDown) target.hasDown = hasDown[target.migration.path] ?? target.hasDown;
      if (inTransaction) target.transactional = inTransaction[target.migration.path] ?? target.transactional;
      const path = target.migration.path;
      // Booting the engine is not the migration's time; loading it is (a top-level loop hangs here).
      await stateOf(primary);
      tell({ type: 'start', path, engine: primary });
      await sandbox?.violations();
      // Only code migrations are modules; SQL files are read by their runner.
      const loadError = !isModule(path) ? undefined : sandbox ? await sandbox.load(path) : await loadErrorOf(importOnce, path);
      if (loadError) {
        tell({ type: 'result', path, result: await withViolations({ engine: primary, steps: [], loadError }, target.migration, sandbox) });
        continue;
      }
      const check = async (): Promise<ProtocolResult> => {
        let engine = primary;
        try {
          const first = await checkOn(engine, target);
          if (engine === 'pg-mem' && input.fallback && !isClean(first.result) && !first.engineIndependent) {
            // pg-mem is an emulation: only real Postgres (PGlite) may fail a migration.
            await stateOf((engine = 'pglite'));
            const recheck = (await checkOn(engine, target, 'pg-mem')).result;
            const limit = engineLimitOf(recheck);
            // What PGlite cannot run does not overturn pg-mem's own findings: they stay, said unconfirmed.
            return limit && hasOwnFinding(first.result) ? { ...first.result, unconfirmed: { engine: 'pglite', message: limit } } : recheck;
          }
          return first.result;
        } catch (error) {
          // rollsafe's own failure, or the engine's (a catalog query that breaks after an extension was dropped and
          // re-created in one session): this file's problem, never the run's; what follows gets fresh engines.
          debug(`checking ${path} on ${engine} failed`, error);
          await discardEngines();
          return { engine, steps: [], internalError: { message: internalMessage(error) } };
        }
      };
      let result = await check();
      // Once more from scratch: most such failures come from what the engine's session kept.
      if (result.internalError) result = await check();
      if (set.migrations[0]?.path === path) result = { ...result, firstOfSet: true };
      tell({ type: 'result', path, result: await withViolations(result, target.migration, sandbox) });
    }
    // A migration that hangs would only hang the history again.
    if (input.history && input.hangsOnUp.length === 0) {
      let at: string | undefined;
      const pass = () => walkHistory(hasDown, (path) => (at = path));
      await pass().catch(async (first: unknown) => {
        debug('the whole-history pass failed; once more on a fresh engine', first);
        await discardEngines();
        await pass().catch(async (error: unknown) => {
          // The pass adds verdicts; losing it must not lose the migrations' own, and the file it broke at is told.
          debug('the whole-history pass failed again', error);
          await discardEngines();
          if (at) tell({ type: 'history', engine: input.engine, verdicts: { [at]: { internalError: internalMessage(error) } } });
        });
      });
    }
  } finally {
    stopCatching();
    for (const { engine, runner, replayCache } of engines.values()) {
      await replayCache.save();
      await runner.close().catch(() => undefined);
      await engine.close().catch(() => undefined);
    }
    sandbox?.close();
    void starting?.then((started) => started.close(), () => undefined);
  }
}

/** Why the framework's runner could not be made: the project's setup (rollsafe's own errors keep their kind). */
function frameworkLoadError(set: MigrationSet, error: unknown): Error {
  if (error instanceof Error && ['SetupError', 'FrameworkVersionError', 'ConfigError'].includes(error.name)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const missing = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(messageOf(error));
  if (!missing) return error instanceof Error ? error : new Error(String(error));
  return new SetupError(
    `cannot load ${set.framework} for the migrations in ${set.dir}: ${messageOf(error)}; install the project's dependencies (npm ci) so that ${set.framework} resolves from ${set.projectDir}`,
  );
}

/** One line for a finding, even from an error whose message is empty or opens with a blank line. */
function internalMessage(error: unknown): string {
  return messageOf(error) || (error instanceof Error ? `${error.name} (no message)` : 'unknown error');
}

/** Printed only with --debug (the worker silences the console otherwise). */
function debug(what: string, error: unknown): void {
  if (process.env.ROLLSAFE_DEBUG) console.error(`rollsafe: ${what}:`, error instanceof Error ? (error.stack ?? error.message) : error);
}

/** Tells each statement sent through the engine (the runners' and the setup's), first 200 characters. */
function reportStatements(engine: Engine, told: (sql: string) => void): void {
  const query = engine.query.bind(engine);
  const exec = engine.exec.bind(engine);
  engine.query = (sql, params) => (told(sql.slice(0, 200)), query(sql, params));
  engine.exec = (sql) => (told(sql.slice(0, 200)), exec(sql));
}

/** Why the engine could not run the migration (its own limit), when that is what stopped it. */
function engineLimitOf(result: ProtocolResult): string | undefined {
  if (result.replayError?.unsupported) return `${result.replayError.message} (replaying ${result.replayError.migration})`;
  return result.steps.find((step) => !step.ok && step.error?.unsupported)?.error?.message;
}

/** A failure or change the engine reported as the migration's, not as its own limit. */
function hasOwnFinding(result: ProtocolResult): boolean {
  return (
    Boolean(result.replayError && !result.replayError.unsupported) ||
    Boolean(result.upAgainChanges || result.downChanges || result.upAfterDownChanges || result.resumeFailure || result.dataLoss || result.destructiveUp) ||
    result.steps.some((step) => !step.ok && !step.error?.unsupported)
  );
}

/** Clean: every step ran, nothing changed, nothing the engine could not run. */
export function isClean(result: ProtocolResult): boolean {
  return (
    !result.replayError &&
    !result.loadError &&
    !result.upAgainChanges &&
    !result.downChanges &&
    !result.upAfterDownChanges &&
    !result.resumeFailure &&
    !result.dataLoss &&
    !result.destructiveUp &&
    !result.floatingQueries &&
    !result.internalError &&
    !result.upDataRerun &&
    !result.downDataRerun &&
    result.steps.every((step) => step.ok)
  );
}

async function loadErrorOf(
  importOnce: (path: string) => Promise<unknown>,
  path: string,
): Promise<ProtocolResult['loadError']> {
  try {
    await importOnce(path);
    return undefined;
  } catch (error) {
    if (error instanceof MigrationLoadError) return { message: error.message, ...(error.loc ? { loc: error.loc } : {}) };
    return { message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The target's own refused connections, once per line (the first step that made it): those located in another migration's file came
 * from replaying it and belong to that file's own check.
 */
async function withViolations(result: ProtocolResult, migration: MigrationFile, sandbox: SandboxedProcess | undefined): Promise<ProtocolResult> {
  if (!sandbox) return result;
  const own = [migration.path, migration.downPath];
  const seen = new Set<string>();
  const violations = (await sandbox.violations()).filter((v) => {
    if (v.loc && !own.includes(v.loc.file)) return false;
    const key = `${v.via}:${v.host}:${v.port}:${v.loc?.file}:${v.loc?.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return violations.length > 0 ? { ...result, sandboxViolations: violations } : result;
}

function inSetOrder(set: MigrationSet, targets: CheckTarget[]): CheckTarget[] {
  const position = new Map(set.migrations.map((m, index) => [m.path, index]));
  return [...targets].sort((a, b) => (position.get(a.migration.path) ?? 0) - (position.get(b.migration.path) ?? 0));
}

function earlierHanging(set: MigrationSet, migration: MigrationFile, hangsOnUp: string[]): MigrationFile | undefined {
  const index = set.migrations.findIndex((m) => m.path === migration.path);
  return set.migrations.slice(0, index).find((m) => hangsOnUp.includes(m.path));
}

function isModule(path: string): boolean {
  return /\.[cm]?[jt]s$/.test(path);
}

/** The PGlite extensions the set's files and setup name: only those are loaded, as each one slows PGlite's start. */
async function extensionsMentioned(set: MigrationSet): Promise<string[]> {
  const { extensionsNamedIn } = await import('../engines/pglite.js');
  const files = set.migrations.flatMap((m) => (m.downPath ? [m.path, m.downPath] : [m.path]));
  const text = (await Promise.all(files.map((file) => readFile(file, 'utf8').catch(() => '')))).join('\n');
  return extensionsNamedIn([text, ...(set.setup ?? []).map((script) => script.sql)].join('\n'));
}
