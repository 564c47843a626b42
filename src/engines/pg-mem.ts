// The fast engine: pg-mem, an in-memory Postgres emulation. Whatever it cannot run is flagged
// `isUnsupported` so the checks re-run it on PGlite rather than report it.
import { createRequire } from 'node:module';
import type { Engine, LoggedStatement } from '../types.js';
import { createPgDriver, type DriverQueryResult } from './pg-driver.js';
import { patchPgMem } from './pg-mem-patches.js';
import { requireWithCodeCache } from '../load/code-cache.js';
import { pgMemSnapshot } from './pg-mem-snapshot.js';
import { qualifiedName } from '../schema/snapshot.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- pg-mem's internals are untyped */
type Any = any;

const postgresVersion = 'PostgreSQL 15.0 on x86_64-pc-linux-gnu, compiled by pg-mem (rollsafe), 64-bit';

export async function createPgMemEngine(): Promise<Engine> {
  // require(), not import(): from ESM, Node would scan its 1 MB bundle for exports on every run.
  const pgMem: Any = requireWithCodeCache('pg-mem', import.meta.url);
  patchPgMem(pgMem);

  let db: Any = newDatabase(pgMem);
  const engine: Engine = {
    name: 'pg-mem',
    async query(sql, params) {
      const logged: LoggedStatement | undefined = engine.statementLog && (params?.length ? { sql, params } : { sql });
      if (logged) engine.statementLog!.push(logged);
      if (!params?.length) {
        const ran: unknown[] | undefined = logged && [];
        const result = toResult(runStatement(db, sql, ran));
        if (logged) logged.prepared = ran;
        return result;
      }
      // pg-mem's own pg adapter inlines parameters; its bind() path crashes on current_schema() and the like.
      const client = new (db.adapters.createPg().Client)();
      return toResult(await client.query(sql, params));
    },
    async exec(sql) {
      const logged: LoggedStatement | undefined = engine.statementLog && { sql };
      if (logged) engine.statementLog!.push(logged);
      const ran: unknown[] | undefined = logged && [];
      runStatement(db, sql, ran);
      if (logged) logged.prepared = ran;
    },
    async replay(statement) {
      // The recorded history ran before, unchanged: no rewriting, no checks, no parsing.
      if (!Array.isArray(statement.prepared)) {
        await engine.query(statement.sql, statement.params);
        return;
      }
      for (const parsed of statement.prepared) db.public.query(parsed);
    },
    async snapshot() {
      return pgMemSnapshot(db);
    },
    // Our own driver rather than pg-mem's createPg(): that one is bound to one database, and reset() replaces it.
    pgDriver: () => createPgDriver(engine),
    async reset() {
      // ROLLBACK does not undo DDL in pg-mem, and backup().restore() refuses after a schema change.
      db = newDatabase(pgMem);
    },
    // The real parser loads only on a failure: it tells pg-mem's parse gaps from real syntax errors.
    async isUnsupported(error) {
      const { loadModule, parseSync } = await import('libpg-query');
      await loadModule();
      return isPgMemLimit(error, (sql) => parsesAsPostgres(parseSync, sql));
    },
    async close() {
      db = undefined;
    },
  };
  return engine;
}

function newDatabase(pgMem: Any): Any {
    const db = pgMem.newDb({ autoCreateForeignKeyIndices: false });
  const { DataType } = pgMem;
  const schema = db.public;
  // What real projects call and pg-mem lacks; the extensions that provide them become no-ops.
  schema.registerFunction({ name: 'gen_random_uuid', returns: DataType.uuid, implementation: () => crypto.randomUUID(), impure: true });
  schema.registerFunction({ name: 'uuid_generate_v4', returns: DataType.uuid, implementation: () => crypto.randomUUID(), impure: true });
  // length(bytea) counts bytes (CHECKs on hashes); pg-mem has length(text) only and keeps '\\x…' input undecoded.
  schema.registerFunction({ name: 'length', args: [DataType.bytea], returns: DataType.integer, implementation: byteaLength });
  schema.registerFunction({ name: 'version', returns: DataType.text, implementation: () => postgresVersion });
  schema.registerFunction({ name: 'current_database', returns: DataType.text, implementation: () => 'rollsafe' });
  // Bit strings (node-pg-migrate `type: 'bit varying'`) held as text; a length modifier still goes to PGlite.
  const isBitString = (value: unknown) => typeof value !== 'string' || /^[01]*$/.test(value);
  schema.registerEquivalentType({ name: 'bit varying', equivalentTo: DataType.text, isValid: isBitString });
  schema.registerEquivalentType({ name: 'varbit', equivalentTo: DataType.text, isValid: isBitString });
  db.registerExtension('uuid-ossp', () => undefined);
  db.registerExtension('pgcrypto', () => undefined);
  return db;
}

function byteaLength(bytes: Buffer): number {
  const text = bytes.toString('latin1');
  return /^\\x(?:[0-9a-f]{2})*$/i.test(text) ? (text.length - 2) / 2 : bytes.length;
}

function toResult(result: Any): DriverQueryResult {
  return {
    rows: result.rows,
    rowCount: result.rowCount ?? result.rows.length,
    command: result.command,
    fields: (result.fields ?? []).map((f: Any) => ({ name: f.name, dataTypeID: f.typeId ?? 0 })),
  };
}

function parsesAsPostgres(parseSync: (sql: string) => unknown, sql: string): boolean {
  try {
    parseSync(sql);
    return true;
  } catch {
    return false;
  }
}

// pg-mem's messages for statements it cannot run, as opposed to statements that are wrong.
const limitMessages = [
  /Not supported/,
  /Unkonwn language/i,
  /Unknown language/i,
  /Extension does not exist/,
  /Method not implemented/,
  // CREATE OR REPLACE FUNCTION with the same parameters: pg-mem refuses what Postgres accepts.
  /cannot change name of input parameter/,
  /not implemented/i,
  /^ERROR: function .* does not exist/,
  /^type ".*" does not exist/,
  // Postgres has AT TIME ZONE for every timestamp type; pg-mem has none.
  /operator does not exist: .*\bAT TIME ZONE\b/,
  // Postgres concatenates text with any value (text || anynonarray); pg-mem only text with text.
  /operator does not exist: (?:text|character varying) \|\| |operator does not exist: \w+(?: \w+)? \|\| (?:text|character varying)\b/,
  // pg-mem has few of the catalog views (pg_indexes, pg_matviews, …) that migrations read to check.
  /relation "(?:pg_catalog\.)?pg_\w+" does not exist/,
];

/** True when pg-mem cannot run a statement that real Postgres accepts. */
export function isPgMemLimit(error: unknown, parsesAsPostgres: (sql: string) => boolean): boolean {
  if (!(error instanceof Error)) return false;
  const message = error.message;
  if (error.constructor.name === 'NotSupported') return true;
  // Its parser rejects valid Postgres (DO blocks, DROP VIEW, CONCURRENTLY…): ask the real parser.
  const parseFailure = /Your query failed to parse\.[\s\S]*?👉 Failed query:\n\n([\s\S]*?)\n\n💀/.exec(message);
  if (parseFailure) return parsesAsPostgres(parseFailure[1].replace(/^ {4}/gm, ''));
  return limitMessages.some((pattern) => pattern.test(message));
}

const createIfNotExists =
  /^\s*create\s+(?:unique\s+)?(?:table|index|sequence|schema|view|materialized\s+view)\s+(?:concurrently\s+)?if\s+not\s+exists\s+(?:"([^"]+)"|(\w+))(?:\.(?:"([^"]+)"|(\w+)))?/i;

/**
 * Runs SQL on pg-mem. A re-run of CREATE … IF NOT EXISTS on an existing object trips pg-mem's
 * AST-coverage check ("not supported"); Postgres skips it with a notice, and so do we. The check
 * stays on for everything else, since it is what flags what pg-mem would silently ignore.
 */
function runStatement(db: Any, sql: string, ran?: unknown[]): Any {
  sql = withoutDollarQuotes(sql);
  // A script runs statement by statement, so a skipped one does not swallow those after it.
  if (/;\s*\S/.test(sql)) {
    const statements = splitForPgMem(sql);
    if (statements.length > 1) {
      let result: Any;
      for (const statement of statements) result = runStatement(db, statement, ran);
      return result;
    }
  }
  refuseDuplicateConstraint(db, sql);
  sql = withReferencedColumns(db, sql);
  sql = withRowNullTestsSpelledOut(sql);
  try {
    const result = db.public.query(sql);
    // What pg-mem parsed, from its own parse cache: the replay cache keeps it (see Engine.replay).
    ran?.push(...db.public.parse(sql));
    return result;
  } catch (error) {
    if (error instanceof Error && /parts have not been read by the query planner/.test(error.message) && skippedByPostgres(db, sql)) {
      return { rows: [], rowCount: 0, command: 'CREATE', fields: [] };
    }
    throw error;
  }
}

/** The statements of a script, as pg-mem's own parser (a dependency of pg-mem) splits them. */
function splitForPgMem(sql: string): string[] {
  const require = createRequire(createRequire(import.meta.url).resolve('pg-mem'));
  const { parse } = require('pgsql-ast-parser') as { parse(sql: string, options: { locationTracking: boolean }): { _location?: { start: number; end: number } }[] };
  try {
    // Its end offsets stop short (`values (1` , `update t set`), so each statement runs up to where the next starts.
    const starts = parse(sql, { locationTracking: true }).map((statement) => statement._location!.start);
    return starts.map((start, index) => sql.slice(start, starts[index + 1] ?? sql.length).replace(/[\s;]+$/, ''));
  } catch {
    return [sql];
  }
}

function skippedByPostgres(db: Any, sql: string): boolean {
  const match = createIfNotExists.exec(sql.replace(/^(\s*--[^\n]*\n)+/, ''));
  if (!match) return false;
  const first = match[1] ?? match[2];
  const second = match[3] ?? match[4];
  const [schemaName, name] = second ? [first, second] : ['public', first];
  if (/^\s*create\s+schema/i.test(sql)) return Boolean(db.getSchema(first, true));
  const schema = db.getSchema(schemaName, true);
  return Boolean(schema?.getObject({ name }, { nullIfNotFound: true }));
}

const addNamedConstraint =
  /^\s*alter\s+table\s+(?:only\s+)?(?:if\s+exists\s+)?(?:"([^"]+)"|(\w+))(?:\.(?:"([^"]+)"|(\w+)))?\s+add\s+constraint\s+(?:"([^"]+)"|(\w+))/i;

/**
 * pg-mem accepts ADD CONSTRAINT under a name the table already has (a re-run of knex's foreign
 * keys, say); Postgres refuses it, and that refusal is the idempotency bug users need to see.
 */
function refuseDuplicateConstraint(db: Any, sql: string): void {
  const match = addNamedConstraint.exec(sql);
  if (!match) return;
  const first = match[1] ?? match[2];
  const second = match[3] ?? match[4];
  const constraint = match[5] ?? match[6];
  const table = second ? qualifiedName(first, second) : first;
  const snapshot = pgMemSnapshot(db);
  const existing = snapshot.tables[table];
  if (!existing) return;
  const names = [existing.primaryKey?.name, ...Object.keys(existing.uniques), ...Object.keys(existing.foreignKeys), ...Object.keys(existing.checks)];
  if (names.includes(constraint)) throw new Error(`constraint "${constraint}" for relation "${second ?? first}" already exists`);
}

const referencesWithoutColumns = /\bREFERENCES\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)(?!\s*\()/gi;

/**
 * `REFERENCES orgs` without a column list (node-pg-migrate's `references: 'orgs'`) means the primary
 * key in Postgres; pg-mem cannot parse it, so the key's columns are spelled out for it.
 */
function withReferencedColumns(db: Any, sql: string): string {
  if (!/references/i.test(sql)) return sql;
  return sql.replace(referencesWithoutColumns, (whole, target: string) => {
    const parts = target.split('.').map((part) => part.replace(/^"|"$/g, ''));
    const table = parts.length === 2 ? qualifiedName(parts[0], parts[1]) : parts[0];
    const primaryKey = pgMemSnapshot(db).tables[table]?.primaryKey;
    return primaryKey ? `${whole} (${primaryKey.columns.map((c) => `"${c}"`).join(', ')})` : whole;
  });
}

const dollarQuoted = /\$([A-Za-z_]\w*)?\$([\s\S]*?)\$\1\$/g;

// A parenthesised list of two or more plain column names tested for NULL, with the word before it.
const rowNullTest = /(\b[A-Za-z_]\w*\s*)?\(\s*((?:"[^"]+"|[A-Za-z_]\w*)(?:\s*,\s*(?:"[^"]+"|[A-Za-z_]\w*))+)\s*\)\s+is\s+(not\s+)?null\b/gi;
const wordsBeforeAnExpression = new Set(['not', 'and', 'or', 'check', 'when', 'then', 'else', 'where', 'on', 'select', 'return']);

/**
 * pg-mem reads `(a, b) IS NULL` as a cast and fails; Postgres means "every field is NULL" (IS NOT
 * NULL: none is), which is the same as testing each column.
 */
export function withRowNullTestsSpelledOut(sql: string): string {
  if (!/\)\s+is\s+(not\s+)?null/i.test(sql)) return sql;
  return sql.replace(rowNullTest, (whole, before: string | undefined, list: string, not: string | undefined) => {
    // `coalesce(a, b) IS NULL` is a function call, not a row.
    if (before && !wordsBeforeAnExpression.has(before.trim().toLowerCase())) return whole;
    const test = not ? 'IS NOT NULL' : 'IS NULL';
    return (before ?? '') + '(' + list.split(',').map((column) => `${column.trim()} ${test}`).join(' AND ') + ')';
  });
}

/**
 * pg-mem's lexer has no dollar-quoted strings (node-pg-migrate quotes every value as $pga$…$pga$,
 * function bodies use $$…$$); the same text as a standard string literal means the same to Postgres.
 */
function withoutDollarQuotes(sql: string): string {
  if (!sql.includes('$')) return sql;
  return sql.replace(dollarQuoted, (_whole, _tag: string | undefined, body: string) => `'${body.replace(/'/g, "''")}'`);
}
