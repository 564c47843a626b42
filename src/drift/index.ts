// Schema drift: two live databases compared object by object (and their applied migrations), or one
// live database against what its own applied migrations produce when replayed on a scratch database.
import { diffSnapshots } from '../schema/diff.js';
import type { SchemaSnapshot } from '../schema/snapshot.js';
import type { FrameworkName, SchemaChange } from '../types.js';
import { bookkeeping } from '../deploy/pending.js';
import { schemaSnapshot } from '../deploy/state.js';
import { parseDatabaseUrl, queryRows, type Database } from '../deploy/server.js';
import { readExtras, type CatalogExtras } from './extras.js';

export interface DriftDifference {
  /** `only-from`: the first database has it; `only-to`: the second has it; `differs`: both, unlike. */
  kind: 'only-from' | 'only-to' | 'differs';
  /** e.g. `column accounts.legacy_code`, `function touch_updated_at()`, `applied migration 2024_add.js (knex)`. */
  object: string;
  detail?: string;
  /** The sentence a person reads. */
  message: string;
}

export interface DriftReport {
  from: string;
  to: string;
  differences: DriftDifference[];
}

interface LiveState {
  snapshot: SchemaSnapshot;
  extras: CatalogExtras;
  applied: Record<string, string[]>;
}

const bookkeepingTables = new Set(Object.values(bookkeeping).flatMap(({ table }) => [table, `${table}_lock`]));

/** The bookkeeping tables are the frameworks' own: compared as applied-migration lists, not as schema. */
function withoutBookkeeping(snapshot: SchemaSnapshot): SchemaSnapshot {
  const tables = Object.fromEntries(Object.entries(snapshot.tables).filter(([name]) => !bookkeepingTables.has(name)));
  const indexes = Object.fromEntries(Object.entries(snapshot.indexes).filter(([, ix]) => !bookkeepingTables.has(ix.table)));
  const sequences = Object.fromEntries(Object.entries(snapshot.sequences).filter(([name]) => ![...bookkeepingTables].some((t) => name.startsWith(`${t}_`))));
  return { ...snapshot, tables, indexes, sequences };
}

/** Applied ids per bookkeeping table found (knex, pgmigrations, typeorm `migrations`…). */
async function appliedLists(database: Database): Promise<Record<string, string[]>> {
  const lists: Record<string, string[]> = {};
  const seen = new Set<string>();
  for (const [framework, { table, column }] of Object.entries(bookkeeping) as [FrameworkName, { table: string; column: string }][]) {
    if (seen.has(table)) continue;
    seen.add(table);
    const [found] = await queryRows(database, `select to_regclass('public."${table}"') is not null as present`);
    if (!found?.present) continue;
    const rows = await queryRows(database, `select "${column}"::text as id from public."${table}" order by 1`);
    lists[framework === 'golang-migrate' ? 'golang-migrate/dbmate' : framework] = rows.map((r) => String(r.id));
  }
  return lists;
}

async function readLive(database: Database): Promise<LiveState> {
  const [snapshot, extras, applied] = [await schemaSnapshot(database), await readExtras(database), await appliedLists(database)];
  return { snapshot: withoutBookkeeping(snapshot), extras, applied };
}

function label(a: Database, b: Database): [string, string] {
  if (a.name !== b.name) return [a.name, b.name];
  return [`${a.server}/${a.name}`, `${b.server}/${b.name}`];
}

/** Turns "removed/added" (from -> to) into sentences naming both sides. */
function describe(changes: SchemaChange[], from: string, to: string): DriftDifference[] {
  return changes.map((change) => {
    if (change.kind === 'removed') return { kind: 'only-from', object: change.object, message: `${from} has ${change.object}, ${to} does not` };
    if (change.kind === 'added') return { kind: 'only-to', object: change.object, message: `${to} has ${change.object}, ${from} does not` };
    return { kind: 'differs', object: change.object, detail: change.detail, message: `${change.object} differs (${from} -> ${to}: ${change.detail})` };
  });
}

function diffExtras(a: CatalogExtras, b: CatalogExtras): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const what of ['function', 'trigger'] as const) {
    const [x, y] = what === 'function' ? [a.functions, b.functions] : [a.triggers, b.triggers];
    for (const name of Object.keys(x)) if (!(name in y)) changes.push({ kind: 'removed', object: `${what} ${name}` });
    for (const [name, definition] of Object.entries(y)) {
      if (!(name in x)) changes.push({ kind: 'added', object: `${what} ${name}` });
      else if (x[name] !== definition) changes.push({ kind: 'changed', object: `${what} ${name}`, detail: 'definition' });
    }
  }
  return changes;
}

function diffApplied(a: Record<string, string[]>, b: Record<string, string[]>): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const framework of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = new Set(a[framework] ?? []);
    const y = new Set(b[framework] ?? []);
    for (const id of x) if (!y.has(id)) changes.push({ kind: 'removed', object: `applied migration ${id} (${framework})` });
    for (const id of y) if (!x.has(id)) changes.push({ kind: 'added', object: `applied migration ${id} (${framework})` });
  }
  return changes;
}

/** Two live databases: schema, functions, triggers and applied migrations. */
export async function driftBetween(fromUrl: string, toUrl: string): Promise<DriftReport> {
  const fromDb = parseDatabaseUrl(fromUrl, '--from');
  const toDb = parseDatabaseUrl(toUrl, '--to');
  const [a, b] = [await readLive(fromDb), await readLive(toDb)];
  const [from, to] = label(fromDb, toDb);
  const changes = [...diffSnapshots(a.snapshot, b.snapshot), ...diffExtras(a.extras, b.extras), ...diffApplied(a.applied, b.applied)];
  return { from, to, differences: describe(changes, from, to) };
}

/**
 * One live database against its migrations: the migrations it has applied are replayed on a scratch
 * database of the same server, and the two schemas compared (what differs was done by hand).
 */
export async function driftFromMigrations(databaseUrl: string, options: { cwd: string; configPath?: string }): Promise<DriftReport> {
  const live = parseDatabaseUrl(databaseUrl);
  const { replayApplied } = await import('./replay.js');
  const replayed = await replayApplied(databaseUrl, live, options);
  const a = await readLive(live);
  const from = live.name;
  const to = 'a replay of its migrations';
  const changes = [...diffSnapshots(a.snapshot, withoutBookkeeping(replayed.snapshot)), ...diffExtras(a.extras, replayed.extras)];
  return { from, to, differences: describe(changes, from, to) };
}

export function formatDrift(report: DriftReport): string {
  if (report.differences.length === 0) return `no drift: ${report.from} and ${report.to} match\n`;
  const lines = report.differences.map((d) => `  ${d.message}`);
  return `${report.differences.length} difference${report.differences.length === 1 ? '' : 's'} between ${report.from} and ${report.to}:\n${lines.join('\n')}\n`;
}
