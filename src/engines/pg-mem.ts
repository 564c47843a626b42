// The fast engine: pg-mem, an in-memory Postgres emulation. Whatever it cannot run is flagged
// `isUnsupported` so the checks re-run it on PGlite rather than report it.
import type { Engine } from '../types.js';
import { createPgDriver, type DriverQueryResult } from './pg-driver.js';
import { patchPgMem } from './pg-mem-patches.js';
import { pgMemSnapshot } from './pg-mem-snapshot.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- pg-mem's internals are untyped */
type Any = any;

const postgresVersion = 'PostgreSQL 15.0 on x86_64-pc-linux-gnu, compiled by pg-mem (rollsafe), 64-bit';

export async function createPgMemEngine(): Promise<Engine> {
  const pgMem: Any = await import('pg-mem');
  patchPgMem(pgMem);

  let db: Any = newDatabase(pgMem);
  const engine: Engine = {
    name: 'pg-mem',
    async query(sql, params) {
      if (!params?.length) return toResult(db.public.query(sql));
      // pg-mem's own pg adapter inlines parameters; its bind() path crashes on current_schema() and the like.
      const client = new (db.adapters.createPg().Client)();
      return toResult(await client.query(sql, params));
    },
    async exec(sql) {
      db.public.none(sql);
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
  schema.registerFunction({ name: 'version', returns: DataType.text, implementation: () => postgresVersion });
  schema.registerFunction({ name: 'current_database', returns: DataType.text, implementation: () => 'rollsafe' });
  db.registerExtension('uuid-ossp', () => undefined);
  db.registerExtension('pgcrypto', () => undefined);
  return db;
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
  /not implemented/i,
  /^ERROR: function .* does not exist/,
  /^type ".*" does not exist/,
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
