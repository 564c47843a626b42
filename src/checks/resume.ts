// resumable-up: a migration that runs outside one transaction can die half-way (a deploy killed, a
// lock timeout) and leave its first statements applied. Re-running it must finish the job. For each
// point up could stop at, the state from before up is rebuilt, that prefix of up's own statements
// replayed, and the whole up run again through the framework.
import { diffSnapshots } from '../schema/diff.js';
import type { SchemaSnapshot } from '../schema/snapshot.js';
import type { Engine, LoggedStatement, MigrationFile, MigrationRunner, ResumeFailure, StepOutcome } from '../types.js';

export interface ResumeInput {
  engine: Engine;
  runner: MigrationRunner;
  migration: MigrationFile;
  /** What one clean up sent to the engine, in order. */
  upStatements: LoggedStatement[];
  /** The schema one clean up leaves. */
  afterUp: SchemaSnapshot;
  /** Rebuilds the state from before up; a message when it could not. */
  restore(): Promise<string | undefined>;
  errorOf(error: unknown): Promise<NonNullable<StepOutcome['error']>>;
}

/** More stopping points than this are sampled evenly: each one costs a replay of the history. */
const maxStops = 12;

/** The first stopping point after which up cannot be run to the same end again, if any. */
export async function checkResume(input: ResumeInput): Promise<ResumeFailure | undefined> {
  const { engine, runner, migration, upStatements, afterUp } = input;
  const stops = stoppingPoints(upStatements);
  // Stopping after the last write is a finished up: up-again (idempotent-up) judges that.
  const writes = stops.length;
  for (const position of sample(writes - 1)) {
    const end = stops[position - 1];
    if ((await input.restore()) !== undefined) return undefined;
    try {
      for (const statement of upStatements.slice(0, end)) await engine.query(statement.sql, statement.params);
    } catch {
      // The prefix does not replay on its own (it read something back, say): nothing to conclude.
      return undefined;
    }
    const afterStatement = { sql: oneLine(upStatements[end - 1].sql), position, of: writes };
    try {
      await runner.run(migration, 'up');
    } catch (error) {
      return { afterStatement, error: await input.errorOf(error) };
    }
    const changes = diffSnapshots(afterUp, await engine.snapshot());
    if (changes.length > 0) return { afterStatement, changes };
  }
  return undefined;
}

/**
 * Where up can stop with something applied: after each statement that writes, outside explicit
 * transactions (a crash inside one rolls it back), as the index one past that statement.
 */
export function stoppingPoints(statements: LoggedStatement[]): number[] {
  const stops: number[] = [];
  let inTransaction = false;
  statements.forEach(({ sql }, index) => {
    if (/^\s*(begin|start\s+transaction)\b/i.test(sql)) inTransaction = true;
    else if (/^\s*(commit|end|rollback)\b\s*;?\s*$/i.test(sql)) {
      if (inTransaction && /^\s*(commit|end)/i.test(sql)) stops.push(index + 1);
      inTransaction = false;
    } else if (!inTransaction && writes(sql)) stops.push(index + 1);
  });
  return stops;
}

/** Reads of the catalogs and plain SELECTs change nothing: stopping right after one is stopping before it. */
function writes(sql: string): boolean {
  return !/^\s*(select|show|set|savepoint|release)\b/i.test(sql) || /\b(nextval|setval|set_config)\s*\(/i.test(sql);
}

/** 1..count, or `maxStops` of them spread evenly with the first and last kept. */
function sample(count: number): number[] {
  const all = Array.from({ length: Math.max(0, count) }, (_, i) => i + 1);
  if (all.length <= maxStops) return all;
  const step = (all.length - 1) / (maxStops - 1);
  return [...new Set(Array.from({ length: maxStops }, (_, i) => all[Math.round(i * step)]))];
}

function oneLine(sql: string): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
