// The dynamic protocol for one migration on one engine: up, up again, down, down again, up again
// after down, each judged against schema snapshots (S0 before up, S1 after up).
import { basename, dirname } from 'node:path';
import { MigrationLoadError } from '../load/index.js';
import { diffSnapshots } from '../schema/diff.js';
import type { ReplayCache } from './replay-cache.js';
import type { SchemaSnapshot } from '../schema/snapshot.js';
import { checkPreservesData } from './data/index.js';
import { FloatingWatch } from './floating.js';
import { messageOf } from './message.js';
import { checkDataRerun } from './data/rerun.js';
import { checkResume } from './resume.js';
import {
  MigrationRunError,
  type Checkpoint,
  type Engine,
  type LoggedStatement,
  type MigrationFile,
  type MigrationRunner,
  type RunReport,
  type MigrationSet,
  type ProtocolResult,
  type ProtocolStepName,
  type SchemaChange,
  type StepOutcome,
} from '../types.js';

/** How a finding names another migration: its file, or its folder too where every migration's file has one name (diesel's up.sql). */
export function migrationShownName(path: string): string {
  return /^(?:up|down)\.sql$/.test(basename(path)) ? `${basename(dirname(path))}/${basename(path)}` : basename(path);
}

export interface ProtocolInput {
  engine: Engine;
  runner: MigrationRunner;
  set: MigrationSet;
  migration: MigrationFile;
  /** False when the migration has no runnable down: the down steps are skipped. */
  hasDown: boolean;
  /** How many migrations of the set the engine already holds, applied in order (0: empty or unknown). */
  applied: number;
  /** The schema the engine had with that many migrations applied, when the previous protocol saw it: not read again. */
  knownSchema?: KnownSchema;
  /** Recorded statements of earlier migrations, replayed as SQL instead of through the framework. */
  replayCache?: ReplayCache;
  /** False when up does not run in one transaction (the static model says so): resumable-up checks it. */
  transactional?: boolean;
  /** Only replay the history and run this migration's up once: does the history still run (a staged deletion or rename)? */
  replayOnly?: boolean;
  /**
   * Only whether the migration is clean matters (pg-mem, whose failures PGlite checks again): the
   * protocol stops at the first step that is not.
   */
  stopAtFirstFailure?: boolean;
  /** Restore by replaying even when the engine can keep a checkpoint (what a checkpoint could not hold runs again so). */
  withoutCheckpoint?: boolean;
  /** Told before each migration replayed and each step, so a watchdog can say where a hang was. */
  onProgress?(event: { replaying: MigrationFile } | { step: ProtocolStepName }): void;
}

export interface KnownSchema {
  applied: number;
  snapshot: SchemaSnapshot;
}

export interface ProtocolRun {
  result: ProtocolResult;
  /** How many migrations the engine holds afterwards, in order, when that is known (else 0). */
  applied: number;
  /** The schema after the target's up (S1): the next target's S0 when the engine holds exactly that. */
  knownSchema?: KnownSchema;
  /** An earlier migration could not even be loaded: any engine would fail the same way. */
  replayFailedToLoad?: boolean;
}

/** What the steps saw that the later phases (resume, data) start from. */
interface Seen {
  s0?: SchemaSnapshot;
  s1?: SchemaSnapshot;
  /** The state before up, kept by the engine: restoring it is a rollback, not a replay. */
  checkpoint?: Checkpoint;
  /** Back to the state before up (the checkpoint, else a fresh replay); a message when it failed. */
  restore?(): Promise<string | undefined>;
  /** The target's first up and first down, as sent to the engine. */
  up?: LoggedStatement[];
  down?: LoggedStatement[];
}

/** The protocol's steps, then the phases that judge more than the schema: resuming a stopped up, keeping data. */
export async function runProtocol(input: ProtocolInput): Promise<ProtocolRun> {
  const seen: Seen = {};
  const watch = new FloatingWatch(input.engine, messageOf);
  let run: ProtocolRun;
  try {
    run = await runSteps({ ...input, runner: recordingFirstRuns(input, seen) }, seen, watch);
    run = await runDeeperPhases(input, run, seen);
  } catch (error) {
    await seen.checkpoint?.end(false).catch(() => undefined);
    throw error;
  } finally {
    watch.dispose();
  }
  const { checkpoint } = seen;
  if (!checkpoint) return run;
  const index = input.set.migrations.findIndex((m) => m.path === input.migration.path);
  if (checkpoint.broken) {
    // Something ran that a transaction cannot hold: the whole protocol again from the state before up, replaying to restore.
    await checkpoint.end(false);
    return runProtocol({ ...input, applied: index, withoutCheckpoint: true });
  }
  // Kept only when the engine stands clean after the migration; otherwise back to before it, which the next target builds on.
  const keep = run.applied === index + 1;
  await checkpoint.end(keep);
  // Kept, the engine stands at S1; rolled back, at S0, and replaying the target's up brings it to S1.
  return { ...run, applied: keep ? index + 1 : index, ...(seen.s1 ? { knownSchema: { applied: index + 1, snapshot: seen.s1 } } : {}) };
}

async function runSteps(input: ProtocolInput, seen: Seen, watch: FloatingWatch): Promise<ProtocolRun> {
  const { engine, runner, set, migration, hasDown } = input;
  const index = set.migrations.findIndex((m) => m.path === migration.path);
  if (index < 0) throw new Error(`${migration.path} is not a migration of ${set.dir}`);
  const result: ProtocolResult = { engine: engine.name, steps: [] };

  /** Brings the engine to "every migration before this one applied", replaying only what is missing. */
  let replayFailedToLoad = false;
  async function replay(from: number): Promise<ProtocolResult['replayError']> {
    if (from === 0) await engine.reset();
    const cache = input.replayCache;
    for (let position = from; position < index; position++) {
      const earlier = set.migrations[position];
      input.onProgress?.({ replaying: earlier });
      const recorded = cache?.statementsOf(position);
      if (recorded) {
        try {
          for (const statement of recorded) {
            if (engine.replay) await engine.replay(statement);
            else await engine.query(statement.sql, statement.params);
          }
          continue;
        } catch {
          // The recording no longer holds (an imported helper changed, say): start over through the framework.
          cache!.forget(position);
          return replay(0);
        }
      }
      engine.statementLog = [];
      try {
        await runner.run(earlier, 'up');
        cache?.record(position, engine.statementLog);
      } catch (error) {
        replayFailedToLoad = error instanceof MigrationLoadError;
        const cause = replayFailedToLoad ? 'load' : 'statement';
        return { migration: migrationShownName(earlier.path), message: messageOf(error), cause, unsupported: (await isUnsupported(engine, error)) || undefined };
      } finally {
        engine.statementLog = undefined;
      }
    }
    return undefined;
  }

  async function step(name: ProtocolStepName, direction: 'up' | 'down'): Promise<StepOutcome> {
    input.onProgress?.({ step: name });
    watch.begin(migration.downPath ? [migration.path, migration.downPath] : [migration.path]);
    let outcome: StepOutcome;
    let reported: RunReport['floating'] = [];
    try {
      reported = (await runner.run(migration, direction))?.floating ?? [];
      outcome = { step: name, ok: true };
    } catch (error) {
      outcome = { step: name, ok: false, error: await errorOf(engine, error) };
    }
    // What the step left running finishes (or fails) before the schema is read.
    const floating = [...(await watch.settle({ stepFailed: !outcome.ok })), ...reported];
    if (floating.length > 0) result.floatingQueries = [...(result.floatingQueries ?? []), ...floating.map((f) => ({ step: name, ...f }))];
    result.steps.push(outcome);
    return outcome;
  }

  /** Back to the state before up, after a failed step left the engine half-changed, then the given runs. */
  async function rebuild(directions: ('up' | 'down')[]): Promise<string | undefined> {
    const restoreError = await seen.restore!();
    if (restoreError) return restoreError;
    for (const direction of directions) {
      try {
        await runner.run(migration, direction);
      } catch (error) {
        return messageOf(error);
      }
    }
    return undefined;
  }

  const replayError = await replay(input.applied <= index ? input.applied : 0);
  if (replayError) {
    result.replayError = replayError;
    return { result, applied: 0, replayFailedToLoad };
  }
  if (input.replayOnly) {
    const up = await step('up', 'up');
    return { result, applied: up.ok ? index + 1 : 0 };
  }
  const s0 = input.knownSchema?.applied === index ? input.knownSchema.snapshot : await engine.snapshot();
  seen.s0 = s0;
  // A non-transactional up is stopped half-way on purpose (resumable-up): a transaction would change what it does.
  const checkpoint = input.transactional !== false && !input.withoutCheckpoint ? await engine.checkpoint?.() : undefined;
  seen.checkpoint = checkpoint;
  seen.restore = checkpoint
    ? async () => {
        try {
          await checkpoint.restore();
          return undefined;
        } catch (error) {
          return messageOf(error);
        }
      }
    : async () => (await replay(0))?.message;
  const stop = () => input.stopAtFirstFailure && (result.steps.some((s) => !s.ok) || Boolean(result.upAgainChanges || result.downChanges));

  if (!(await step('up', 'up')).ok) return { result, applied: 0 };
  const s1 = await engine.snapshot();
  seen.s1 = s1;

  const upAgain = await step('up-again', 'up');
  let atS1 = upAgain.ok;
  if (upAgain.ok) {
    result.upAgainChanges = nonEmpty(diffSnapshots(s1, await engine.snapshot()));
    atS1 = !result.upAgainChanges;
  }
  if (stop()) return { result, applied: 0 };
  if (!hasDown) return { result, applied: atS1 ? index + 1 : 0 };

  if (!atS1) {
    // Judge down from the state one up leaves, not from what a failed or drifting second up left.
    const rebuildError = await rebuild(['up']);
    if (rebuildError) return stopped(result, 'down', rebuildError);
  }

  const down = await step('down', 'down');
  // A down that throws leaves nothing for down-again or up-after-down to mean.
  if (!down.ok) return { result, applied: 0 };
  result.downChanges = nonEmpty(diffSnapshots(s0, await engine.snapshot()));
  if (stop()) return { result, applied: 0 };

  const downAgain = await step('down-again', 'down');
  if (stop()) return { result, applied: 0 };
  if (!downAgain.ok) {
    const rebuildError = await rebuild(['up', 'down']);
    if (rebuildError) return stopped(result, 'up-after-down', rebuildError);
  }

  const upAfterDown = await step('up-after-down', 'up');
  if (!upAfterDown.ok) return { result, applied: 0 };
  result.upAfterDownChanges = nonEmpty(diffSnapshots(s1, await engine.snapshot()));
  return { result, applied: result.upAfterDownChanges ? 0 : index + 1 };
}

/** Records what the target's first up and first down send, leaving replays of earlier migrations to the replay cache. */
function recordingFirstRuns(input: ProtocolInput, seen: Seen): MigrationRunner {
  const { engine, runner, migration } = input;
  return {
    async run(file, direction) {
      if (file.path !== migration.path || seen[direction]) return runner.run(file, direction);
      const log: LoggedStatement[] = [];
      engine.statementLog = log;
      try {
        return await runner.run(file, direction);
      } finally {
        engine.statementLog = undefined;
        seen[direction] = log;
      }
    },
    close: () => runner.close(),
  };
}

/**
 * resumable-up for a non-transactional up that works, preserves-data for a migration whose steps all
 * held; both leave rows or half-runs behind, so the next migration starts from a fresh replay.
 */
async function runDeeperPhases(input: ProtocolInput, run: ProtocolRun, seen: Seen): Promise<ProtocolRun> {
  const { result } = run;
  const { s0, s1, restore, up } = seen;
  if (!s0 || !s1 || !restore || !up) return run;
  if (result.steps.some((step) => !step.ok)) {
    // A down that fails says nothing of what a second up does to rows: that is still checked.
    const upHeld = ['up', 'up-again'].every((name) => result.steps.some((step) => step.step === name && step.ok)) && !result.upAgainChanges;
    if (!upHeld) return run;
    const rerun = await checkDataRerun({ ...input, hasDown: false, before: s0, afterUp: s1, up, restore });
    if (rerun.up) result.upDataRerun = rerun.up;
    return rerun.ran ? { ...run, applied: 0 } : run;
  }
  const index = input.set.migrations.findIndex((m) => m.path === input.migration.path);
  let atS1 = run.applied === index + 1;
  if (input.transactional === false) {
    input.onProgress?.({ step: 'up' });
    const failure = await checkResume({
      engine: input.engine,
      runner: input.runner,
      migration: input.migration,
      upStatements: up,
      afterUp: s1,
      restore,
      errorOf: (error) => errorOf(input.engine, error),
    });
    if (failure) result.resumeFailure = failure;
    atS1 = false;
  }
  if (result.upAgainChanges || result.downChanges || result.upAfterDownChanges) return { ...run, applied: atS1 ? run.applied : 0 };
  const data = await checkPreservesData({
    engine: input.engine,
    runner: input.runner,
    migration: input.migration,
    hasDown: input.hasDown,
    before: s0,
    afterUp: s1,
    statements: [...up, ...(seen.down ?? [])],
    atAfterUp: atS1,
    restore,
  });
  if (data.dataLoss) result.dataLoss = data.dataLoss;
  if (data.destructiveUp) result.destructiveUp = data.destructiveUp;
  const rerun = await checkDataRerun({ ...input, before: s0, afterUp: s1, up, down: seen.down, restore });
  if (rerun.up) result.upDataRerun = rerun.up;
  if (rerun.down) result.downDataRerun = rerun.down;
  return { ...run, applied: atS1 && !data.ran && !rerun.ran ? run.applied : 0 };
}

/** A step that could not even be set up: reported as that step failing, with why. */
function stopped(result: ProtocolResult, step: ProtocolStepName, message: string): ProtocolRun {
  result.steps.push({ step, ok: false, error: { message: `could not rebuild the state before ${step}: ${message}` } });
  return { result, applied: 0 };
}

function nonEmpty(changes: SchemaChange[]): SchemaChange[] | undefined {
  return changes.length > 0 ? changes : undefined;
}

async function isUnsupported(engine: Engine, error: unknown): Promise<boolean> {
  return error instanceof MigrationRunError ? error.unsupported : engine.isUnsupported(error);
}

async function errorOf(engine: Engine, error: unknown): Promise<NonNullable<StepOutcome['error']>> {
  const loc = error instanceof MigrationRunError ? error.loc : undefined;
  const unsupported = await isUnsupported(engine, error);
  return { message: messageOf(error), ...(loc ? { loc } : {}), ...(unsupported ? { unsupported } : {}) };
}

export { messageOf };
