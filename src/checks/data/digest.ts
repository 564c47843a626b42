// What the tables hold, read back per table and compared column by column: rows are matched by
// primary key where there is one, else each column's values are compared as a multiset.
import { createHash } from 'node:crypto';
import type { SchemaSnapshot } from '../../schema/snapshot.js';
import type { DataLoss, Engine } from '../../types.js';
import { quoteIdent, quoteTable } from './rows.js';

export interface TableContents {
  columns: string[];
  /** Primary key columns; empty when the table has none. */
  key: string[];
  /** Each row's values, serialised, in `columns` order. */
  rows: string[][];
  /** One hash of the whole table, so equal tables are compared in one step. */
  digest: string;
}

/** Reads every table of `schema` that holds rows (only the columns `schema` knows). */
export async function readTables(engine: Engine, schema: SchemaSnapshot, tables: Iterable<string>): Promise<Map<string, TableContents>> {
  const contents = new Map<string, TableContents>();
  for (const name of tables) {
    const table = schema.tables[name];
    if (!table) continue;
    const columns = Object.keys(table.columns);
    if (columns.length === 0) continue;
    const result = await engine.query(`SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteTable(name)}`);
    const rows = result.rows.map((row) => columns.map((column) => serialise(row[column]))).sort(compareRows);
    const digest = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
    contents.set(name, { columns, key: table.primaryKey?.columns ?? [], rows, digest });
  }
  return contents;
}

const maxLosses = 5;

/** Every column of `before` whose values `after` does not hold, with one example row each. */
export function compareContents(before: Map<string, TableContents>, after: Map<string, TableContents>): DataLoss[] {
  const losses: DataLoss[] = [];
  for (const [table, was] of before) {
    const now = after.get(table);
    if (!now || now.digest === was.digest || was.rows.length === 0) continue;
    losses.push(...(was.key.length > 0 && was.key.every((k) => now.columns.includes(k)) ? byKey(table, was, now) : byColumn(table, was, now)));
    if (losses.length >= maxLosses) break;
  }
  return losses.slice(0, maxLosses);
}

function byKey(table: string, was: TableContents, now: TableContents): DataLoss[] {
  const keyOf = (contents: TableContents, row: string[]) => contents.key.map((k) => row[contents.columns.indexOf(k)]).join('\0');
  const describeKey = (row: string[]) => was.key.map((k) => `${k}=${row[was.columns.indexOf(k)]}`).join(', ');
  const current = new Map(now.rows.map((row) => [keyOf(now, row), row]));
  const losses: DataLoss[] = [];
  const missing = was.rows.find((row) => !current.has(keyOf(was, row)));
  if (missing) losses.push({ table, example: `${describeKey(missing)}: the row is gone (${now.rows.length} of ${was.rows.length} rows left)` });
  was.columns.forEach((column, index) => {
    if (was.key.includes(column)) return;
    const at = now.columns.indexOf(column);
    for (const row of was.rows) {
      const other = current.get(keyOf(was, row));
      if (!other) continue;
      const value = at < 0 ? 'the column is gone' : other[at];
      if (value !== row[index]) {
        losses.push({ table, column, example: `${describeKey(row)}: ${row[index]} -> ${value}` });
        return;
      }
    }
  });
  return losses;
}

function byColumn(table: string, was: TableContents, now: TableContents): DataLoss[] {
  const losses: DataLoss[] = [];
  if (now.rows.length < was.rows.length) losses.push({ table, example: `${now.rows.length} of ${was.rows.length} rows left` });
  was.columns.forEach((column, index) => {
    const at = now.columns.indexOf(column);
    const left = new Map<string, number>();
    for (const row of now.rows) if (at >= 0) left.set(row[at], (left.get(row[at]) ?? 0) + 1);
    for (const row of was.rows) {
      const count = left.get(row[index]) ?? 0;
      if (count > 0) {
        left.set(row[index], count - 1);
        continue;
      }
      // Fewer rows is said once above; here only values that changed in rows that remain.
      if (now.rows.length < was.rows.length && at >= 0) return;
      losses.push({ table, column, example: `a row with ${column} = ${row[index]} no longer has it` });
      return;
    }
  });
  return losses;
}

/** One text per value, the same for the same value on one engine: dates as ISO, bytes as hex, JSON as text. */
export function serialise(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function compareRows(a: string[], b: string[]): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
