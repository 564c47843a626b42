// The whole-history round trip (`lint --all`): from an empty database every migration's up in order,
// then every down in reverse back to the base. The schema must be empty again but for the
// framework's own bookkeeping; what is left is charged to the migration whose up created it.
import { diffSnapshots } from '../schema/diff.js';
import type { SchemaSnapshot } from '../schema/snapshot.js';
import { MigrationRunError, type Engine, type FrameworkName, type HistoryVerdict as EngineHistoryVerdict, type MigrationFile, type MigrationRunner, type MigrationSet, type SchemaChange } from '../types.js';
import { messageOf, migrationShownName } from './protocol.js';
import type { ReplayCache } from './replay-cache.js';

/** Tables the frameworks keep their own records in: never the migrations' residue. */
export const bookkeepingTables: Record<FrameworkName, string[]> = {
  knex: ['knex_migrations', 'knex_migrations_lock'],
  'node-pg-migrate': ['pgmigrations'],
  'golang-migrate': ['schema_migrations'],
  dbmate: ['schema_migrations'],
  typeorm: ['migrations', 'typeorm_metadata'],
  kysely: ['kysely_migration', 'kysely_migration_lock'],
  sequelize: ['SequelizeMeta'],
  'mikro-orm': ['mikro_orm_migrations'],
  alembic: ['alembic_version'],
  diesel: ['__diesel_schema_migrations'],
};

export interface HistoryInput {
  engine: Engine;
  runner: MigrationRunner;
  set: MigrationSet;
  /** Whether a migration has a runnable down: the descent stops above the first one that has none. */
  hasDown(migration: MigrationFile): boolean;
  /** Recorded ups of the set, replayed as SQL on the way up instead of through the framework. */
  replayCache?: ReplayCache;
  /** Told before each up and down, so a watchdog can say where a hang was. */
  onProgress?(migration: MigrationFile, direction: 'up' | 'down'): void;
}

/** What the history says of one migration, before the engine that said it is known. */
export type HistoryVerdict = Omit<EngineHistoryVerdict, 'engine'>;

export interface HistoryRun {
  /** By migration path; only migrations with something to say. */
  verdicts: Map<string, HistoryVerdict>;
  /** The way up failed (each migration's own check says why): nothing could be judged. */
  notRun?: { migration: string; message: string; unsupported: boolean };
  /** The descent stopped above this migration, which has no runnable down; the base is the schema after it. */
  baseAfter?: string;
}

export async function runHistory(input: HistoryInput): Promise<HistoryRun> {
  const { engine, runner, set } = input;
  const migrations = set.migrations;
  const verdicts = new Map<string, HistoryVerdict>();
  // The lowest migration the descent reaches: above the last one without a down.
  let lowest = 0;
  for (let index = migrations.length - 1; index >= 0; index--) {
    if (!input.hasDown(migrations[index])) {
      lowest = index + 1;
      break;
    }
  }

  await engine.reset();
  const ignored = new Set(bookkeepingTables[set.framework]);
  const snapshot = async () => withoutBookkeeping(await engine.snapshot(), ignored);
  let base = await snapshot();
  let previous = base;
  /** Which migration's up first created each object, from the diffs of the way up. */
  const createdBy = new Map<string, number>();
  const touchedBy = new Map<string, number>();

  for (let index = 0; index < migrations.length; index++) {
    const migration = migrations[index];
    input.onProgress?.(migration, 'up');
    try {
      await up(input, index);
    } catch (error) {
      return { verdicts, notRun: { migration: migrationShownName(migration.path), message: messageOf(error), unsupported: await isUnsupported(engine, error) } };
    }
    // Below the base the schema is only needed as the base itself.
    if (index < lowest - 1) continue;
    const after = await snapshot();
    if (index === lowest - 1) base = after;
    else {
      for (const change of diffSnapshots(previous, after)) {
        if (change.kind === 'added' && !createdBy.has(change.object)) createdBy.set(change.object, index);
        touchedBy.set(change.object, index);
      }
    }
    previous = after;
  }

  let reached = migrations.length;
  for (let index = migrations.length - 1; index >= lowest; index--) {
    const migration = migrations[index];
    input.onProgress?.(migration, 'down');
    try {
      await runner.run(migration, 'down');
      reached = index;
    } catch (error) {
      const loc = error instanceof MigrationRunError ? error.loc : undefined;
      verdicts.set(migration.path, { downError: { message: messageOf(error), ...(loc ? { loc } : {}), ...((await isUnsupported(engine, error)) ? { unsupported: true } : {}) } });
      break;
    }
  }

  // Only objects the way up created are residue; what a failed down left half-undone is its own finding.
  const left = diffSnapshots(base, await snapshot()).filter((change) => change.kind === 'added');
  for (const change of left) {
    const creator = createdBy.get(change.object) ?? touchedBy.get(change.object);
    if (creator === undefined || creator < reached) continue;
    const path = migrations[creator].path;
    const verdict = verdicts.get(path) ?? {};
    (verdict.residue ??= []).push(change);
    verdicts.set(path, verdict);
  }
  return { verdicts, ...(lowest > 0 ? { baseAfter: migrationShownName(migrations[lowest - 1].path) } : {}) };
}

/** One up on the way: the recorded statements when the replay cache holds them, else the framework. */
async function up({ engine, runner, set, replayCache }: HistoryInput, index: number): Promise<void> {
  const recorded = replayCache?.statementsOf(index);
  if (recorded) {
    for (const statement of recorded) await engine.query(statement.sql, statement.params);
    return;
  }
  await runner.run(set.migrations[index], 'up');
}

function withoutBookkeeping(snapshot: SchemaSnapshot, ignored: Set<string>): SchemaSnapshot {
  if (!Object.keys(snapshot.tables).some((name) => ignored.has(name))) return snapshot;
  const tables = Object.fromEntries(Object.entries(snapshot.tables).filter(([name]) => !ignored.has(name)));
  const indexes = Object.fromEntries(Object.entries(snapshot.indexes).filter(([, index]) => !ignored.has(index.table)));
  const sequences = Object.fromEntries(Object.entries(snapshot.sequences).filter(([name]) => ![...ignored].some((table) => name.startsWith(`${table}_`))));
  return { ...snapshot, tables, indexes, sequences };
}

async function isUnsupported(engine: Engine, error: unknown): Promise<boolean> {
  return error instanceof MigrationRunError ? error.unsupported : Boolean(await engine.isUnsupported(error));
}
