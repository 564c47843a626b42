// Which migrations a database has not run yet: the framework's own bookkeeping table against the set on disk.
import type { FrameworkName, MigrationFile, MigrationSet } from '../types.js';
import { queryRows, type Database } from './server.js';

/** Where each framework records what it ran (default table names). */
export const bookkeeping: Record<FrameworkName, { table: string; column: string }> = {
  knex: { table: 'knex_migrations', column: 'name' },
  'node-pg-migrate': { table: 'pgmigrations', column: 'name' },
  typeorm: { table: 'migrations', column: 'name' },
  kysely: { table: 'kysely_migration', column: 'name' },
  sequelize: { table: 'SequelizeMeta', column: 'name' },
  'mikro-orm': { table: 'mikro_orm_migrations', column: 'name' },
  alembic: { table: 'alembic_version', column: 'version_num' },
  'golang-migrate': { table: 'schema_migrations', column: 'version' },
  dbmate: { table: 'schema_migrations', column: 'version' },
  diesel: { table: '__diesel_schema_migrations', column: 'version' },
};

export interface AppliedMigrations {
  /** The ids the framework recorded; empty when its table does not exist yet (a fresh database). */
  ids: string[];
  /** golang-migrate: a previous run stopped half-way. */
  dirty?: boolean;
}

/** The applied-migration ids of one framework, as its table records them. */
export async function appliedMigrations(database: Database, framework: FrameworkName): Promise<AppliedMigrations> {
  const { table, column } = bookkeeping[framework];
  const [found] = await queryRows(database, `select to_regclass('public."${table}"') is not null as present`);
  if (!found?.present) return { ids: [] };
  const relation = `public."${table}"`;
  if (framework === 'golang-migrate') {
    const rows = await queryRows(database, `select version::text as id, dirty from ${relation}`);
    return { ids: rows.map((r) => String(r.id)), dirty: rows.some((r) => r.dirty === true) };
  }
  const rows = await queryRows(database, `select "${column}"::text as id from ${relation}`);
  return { ids: rows.map((r) => String(r.id)) };
}

/** The migrations of `set` that the database has not run, in the order the framework runs them. */
export function pendingOf(set: MigrationSet, applied: AppliedMigrations): MigrationFile[] {
  if (set.framework === 'golang-migrate') {
    // One row: the version reached; every later version is pending.
    const reached = applied.ids.length ? BigInt(applied.ids[0]) : -1n;
    return set.migrations.filter((m) => BigInt(m.id) > reached);
  }
  if (set.framework === 'alembic') {
    // alembic_version holds the head(s) reached; revisions after the furthest one, in set order, are pending.
    const positions = applied.ids.map((id) => set.migrations.findIndex((m) => m.id === id));
    if (applied.ids.length === 0) return set.migrations;
    return set.migrations.slice(Math.max(...positions) + 1);
  }
  const done = new Set(applied.ids.map((id) => stripExtension(set.framework, id)));
  return set.migrations.filter((m) => !done.has(stripExtension(set.framework, m.id)));
}

// knex records the file name with its extension; a project built from .ts to .js changes it.
function stripExtension(framework: FrameworkName, id: string): string {
  return framework === 'knex' ? id.replace(/\.(?:[cm]?[jt]s)$/, '') : id;
}

export interface PendingMigrations {
  set: MigrationSet;
  pending: MigrationFile[];
  applied: AppliedMigrations;
}

export async function pendingMigrations(database: Database, sets: MigrationSet[]): Promise<PendingMigrations[]> {
  const result: PendingMigrations[] = [];
  for (const set of sets) {
    const applied = await appliedMigrations(database, set.framework);
    result.push({ set, applied, pending: pendingOf(set, applied) });
  }
  return result;
}
