import type { SchemaChange } from '../types.js';
import type { ColumnSnapshot, ForeignKeySnapshot, IndexSnapshot, SchemaSnapshot, TableSnapshot } from './snapshot.js';

/** What changed from `before` to `after`, one entry per object, tables before their parts. */
export function diffSnapshots(before: SchemaSnapshot, after: SchemaSnapshot): SchemaChange[] {
  const changes: SchemaChange[] = [];
  diffNames(changes, 'schema', before.schemas, after.schemas);
  diffNames(changes, 'extension', before.extensions, after.extensions);
  diffRecords(changes, 'enum', before.enums, after.enums, (a, b) =>
    same(a, b) ? undefined : `labels (${a.join(', ')}) -> (${b.join(', ')})`,
  );
  diffRecords(changes, 'table', before.tables, after.tables, () => undefined);
  for (const name of Object.keys(after.tables)) {
    if (before.tables[name]) diffTable(changes, name, before.tables[name], after.tables[name]);
  }
  diffRecords(changes, 'index', before.indexes, after.indexes, describeIndexChange);
  diffRecords(changes, 'sequence', before.sequences, after.sequences, (a, b) =>
    changedFields(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>),
  );
  diffRecords(changes, 'view', before.views, after.views, (a, b) =>
    a.definition !== b.definition || a.materialized !== b.materialized
      ? `definition ${a.definition} -> ${b.definition}`
      : undefined,
  );
  return changes;
}

function diffTable(changes: SchemaChange[], table: string, a: TableSnapshot, b: TableSnapshot): void {
  diffRecords(changes, 'column', a.columns, b.columns, describeColumnChange, (name) => `${table}.${name}`);
  // Column order is not compared: pg-mem moves a column to the end when its type changes.
  const pkA = a.primaryKey ? { [a.primaryKey.name]: a.primaryKey } : {};
  const pkB = b.primaryKey ? { [b.primaryKey.name]: b.primaryKey } : {};
  const on = (name: string) => `${name} on ${table}`;
  diffRecords(changes, 'primary key', pkA, pkB, (x, y) => columnsChange(x.columns, y.columns), on);
  diffRecords(changes, 'unique constraint', a.uniques, b.uniques, (x, y) => columnsChange(x.columns, y.columns), on);
  diffRecords(changes, 'foreign key', a.foreignKeys, b.foreignKeys, describeForeignKeyChange, on);
  diffRecords(changes, 'check constraint', a.checks, b.checks, (x, y) =>
    x.expression === y.expression ? undefined : `${x.expression} -> ${y.expression}`, on);
}

function describeColumnChange(a: ColumnSnapshot, b: ColumnSnapshot): string | undefined {
  const parts: string[] = [];
  if (a.type !== b.type) parts.push(`type ${a.type} -> ${b.type}`);
  if (a.nullable !== b.nullable) parts.push(b.nullable ? 'not null -> nullable' : 'nullable -> not null');
  if (a.default !== b.default) parts.push(`default ${a.default ?? 'none'} -> ${b.default ?? 'none'}`);
  if (a.generated !== b.generated) parts.push(`generated ${a.generated ?? 'no'} -> ${b.generated ?? 'no'}`);
  return parts.join(', ') || undefined;
}

function describeForeignKeyChange(a: ForeignKeySnapshot, b: ForeignKeySnapshot): string | undefined {
  const parts: string[] = [];
  const target = (fk: ForeignKeySnapshot) => `(${fk.columns.join(', ')}) references ${fk.references}(${fk.referencedColumns.join(', ')})`;
  if (target(a) !== target(b)) parts.push(`${target(a)} -> ${target(b)}`);
  if (a.onDelete !== b.onDelete) parts.push(`on delete ${a.onDelete} -> ${b.onDelete}`);
  if (a.onUpdate !== b.onUpdate) parts.push(`on update ${a.onUpdate} -> ${b.onUpdate}`);
  return parts.join(', ') || undefined;
}

function describeIndexChange(a: IndexSnapshot, b: IndexSnapshot): string | undefined {
  const parts: string[] = [];
  if (a.table !== b.table) parts.push(`table ${a.table} -> ${b.table}`);
  const columns = columnsChange(a.columns, b.columns);
  if (columns) parts.push(columns);
  if (a.unique !== b.unique) parts.push(b.unique ? 'not unique -> unique' : 'unique -> not unique');
  if (a.method !== b.method) parts.push(`method ${a.method} -> ${b.method}`);
  if (a.predicate !== b.predicate) parts.push(`where ${a.predicate ?? 'none'} -> ${b.predicate ?? 'none'}`);
  return parts.join(', ') || undefined;
}

function columnsChange(a: string[], b: string[]): string | undefined {
  return same(a, b) ? undefined : `columns (${a.join(', ')}) -> (${b.join(', ')})`;
}

function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
  return keys.map((k) => `${k} ${String(a[k] ?? 'none')} -> ${String(b[k] ?? 'none')}`).join(', ') || undefined;
}

function diffNames(changes: SchemaChange[], what: string, a: string[], b: string[]): void {
  for (const name of a) if (!b.includes(name)) changes.push({ kind: 'removed', object: `${what} ${name}` });
  for (const name of b) if (!a.includes(name)) changes.push({ kind: 'added', object: `${what} ${name}` });
}

function diffRecords<T>(
  changes: SchemaChange[],
  what: string,
  a: Record<string, T>,
  b: Record<string, T>,
  describe: (before: T, after: T) => string | undefined,
  label: (name: string) => string = (name) => name,
): void {
  for (const name of Object.keys(a)) {
    if (!(name in b)) changes.push({ kind: 'removed', object: `${what} ${label(name)}` });
  }
  for (const [name, value] of Object.entries(b)) {
    if (!(name in a)) {
      changes.push({ kind: 'added', object: `${what} ${label(name)}` });
      continue;
    }
    const detail = describe(a[name], value);
    if (detail) changes.push({ kind: 'changed', object: `${what} ${label(name)}`, detail });
  }
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface DescribeOptions {
  /** How an object left over from `after` is said, e.g. `is still there`. Default: `is still there`. */
  added?: string;
  /** How an object lost since `before` is said. Default: `is missing`. */
  removed?: string;
  /** How a changed object is said. Default: `differs`. */
  changed?: string;
  /** Cap on named changes before "and N more". Default 5. */
  limit?: number;
}

/**
 * One readable sentence naming every change (up to `limit`):
 * "column users.status is still there; index users_email_idx is missing".
 */
export function describeChanges(changes: SchemaChange[], options: DescribeOptions = {}): string {
  const { added = 'is still there', removed = 'is missing', changed = 'differs', limit = 5 } = options;
  const said = changes.slice(0, limit).map((change) => {
    const verb = change.kind === 'added' ? added : change.kind === 'removed' ? removed : changed;
    return `${change.object} ${verb}${change.detail ? ` (${change.detail})` : ''}`;
  });
  const rest = changes.length - said.length;
  return rest > 0 ? `${said.join('; ')}; and ${rest} more` : said.join('; ');
}
