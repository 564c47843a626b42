// A real Postgres server: each engine works in its own throwaway database on the server of the URL,
// never in the database the URL names.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Engine } from '../types.js';
import { catalogSnapshot } from './catalog-snapshot.js';
import { createPgDriver, type DriverQueryResult } from './pg-driver.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- `pg` ships no types here */
type Any = any;

export interface PostgresEngineOptions {
  databaseUrl: string;
}

export async function createPostgresEngine({ databaseUrl }: PostgresEngineOptions): Promise<Engine> {
  const pg = await loadPg();
  const database = `rollsafe_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const quoted = `"${database}"`;
  await admin.query(`create database ${quoted}`);

  const connect = async () => {
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    // A notice-free session: migrations' NOTICEs are not errors.
    client.on('error', () => undefined);
    return client;
  };
  let client: Any = await connect();
  let closed = false;

  const dropDatabase = async () => {
    await admin.query(`drop database if exists ${quoted} with (force)`);
  };
  // Never leave throwaway databases behind, even when the run is interrupted.
  const onExit = () => {
    void cleanup();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanup().finally(() => process.kill(process.pid, signal));
  };
  const cleanup = async () => {
    if (closed) return;
    closed = true;
    process.off('beforeExit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.end().catch(() => undefined);
    await dropDatabase().catch(() => undefined);
    await admin.end().catch(() => undefined);
  };
  process.once('beforeExit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const engine: Engine = {
    name: 'postgres',
    async query(sql, params) {
      engine.statementLog?.push(params?.length ? { sql, params } : { sql });
      const result = await client.query(sql, params?.length ? params : undefined);
      // Several statements without parameters answer with one result each; the last one speaks.
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return toResult(last);
    },
    async exec(sql) {
      engine.statementLog?.push({ sql });
      await client.query(sql);
    },
    snapshot: () => catalogSnapshot(async (sql) => toResult(await client.query(sql))),
    pgDriver: () => createPgDriver(engine),
    async reset() {
      await client.end().catch(() => undefined);
      await dropDatabase();
      await admin.query(`create database ${quoted}`);
      client = await connect();
    },
    isUnsupported: () => false,
    close: cleanup,
  };
  return engine;
}

async function loadPg(): Promise<Any> {
  // Resolved from the user's project first, then from rollsafe's own dependencies.
  for (const base of [`${process.cwd()}/`, import.meta.url]) {
    try {
      return createRequire(base)('pg');
    } catch {
      // try the next place
    }
  }
  throw new Error('The postgres engine needs the `pg` package: npm install --save-dev pg');
}

function toResult(result: Any): DriverQueryResult {
  return {
    rows: result.rows ?? [],
    rowCount: result.rowCount ?? 0,
    command: result.command,
    fields: (result.fields ?? []).map((f: Any) => ({ name: f.name, dataTypeID: f.dataTypeID })),
  };
}
