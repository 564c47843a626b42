// What a backup must reproduce: the schema (fingerprinted) and how many rows each table holds.
import { createHash } from 'node:crypto';
import { catalogSnapshot } from '../engines/catalog-snapshot.js';
import type { SchemaSnapshot } from '../schema/snapshot.js';
import { queryRows, quoteIdent, type Database } from './server.js';

export interface DatabaseState {
  snapshot: SchemaSnapshot;
  /** sha256 of the snapshot, keys sorted: equal schemas, equal fingerprints. */
  fingerprint: string;
  /** Rows per table, keyed like the snapshot's tables. */
  rowCounts: Record<string, number>;
}

export async function schemaSnapshot(database: Database): Promise<SchemaSnapshot> {
  return catalogSnapshot(async (sql) => {
    const rows = await queryRows(database, sql);
    return { rows, rowCount: rows.length };
  });
}

export async function readState(database: Database): Promise<DatabaseState> {
  const snapshot = await schemaSnapshot(database);
  return { snapshot, fingerprint: fingerprint(snapshot), rowCounts: await rowCounts(database, Object.keys(snapshot.tables)) };
}

export function fingerprint(snapshot: SchemaSnapshot): string {
  return createHash('sha256').update(stableJson(snapshot)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function rowCounts(database: Database, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  // One query for all tables; a few hundred per batch keeps the statement reasonable.
  for (let i = 0; i < tables.length; i += 200) {
    const batch = tables.slice(i, i + 200);
    const sql = batch
      .map((table) => {
        const dot = table.indexOf('.');
        const relation = dot < 0 ? `public.${quoteIdent(table)}` : `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
        return `select ${textLiteral(table)} as name, count(*)::bigint as rows from ${relation}`;
      })
      .join(' union all ');
    for (const row of await queryRows(database, sql)) counts[row.name] = Number(row.rows);
  }
  return counts;
}

function textLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'::text`;
}

/** What differs between two states, one readable line per difference. */
export function compareStates(expected: Pick<DatabaseState, 'fingerprint' | 'rowCounts'>, actual: DatabaseState): string[] {
  const problems: string[] = [];
  if (expected.fingerprint !== actual.fingerprint) problems.push('the restored schema differs from the backed-up one');
  for (const [table, rows] of Object.entries(expected.rowCounts)) {
    const got = actual.rowCounts[table];
    if (got === undefined) problems.push(`table ${table} is missing after restore`);
    else if (got !== rows) problems.push(`table ${table} has ${got} rows after restore, ${rows} in the backup`);
  }
  for (const table of Object.keys(actual.rowCounts)) {
    if (!(table in expected.rowCounts)) problems.push(`table ${table} appears after restore but was not backed up`);
  }
  return problems;
}
