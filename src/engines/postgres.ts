// A real Postgres server: each engine works in its own throwaway database on the server of the URL,
// never in the database the URL names. Dropping a database costs seconds on a busy server, so it is
// done once, at close; in between the engine empties its database in place.
import { randomBytes } from 'node:crypto';
import type { Engine } from '../types.js';
import { catalogSnapshot } from './catalog-snapshot.js';
import { createPgDriver, type DriverQueryResult } from './pg-driver.js';
import { loadPg, openClient } from './postgres-connect.js';
import { resetDatabase } from './reset.js';
import { dropOrphans, dropThrowawaysOfThisProcess, processIsGone, throwawayDatabaseName, type ServerAccess } from './throwaway.js';
import { SavepointSession } from './savepoints.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- `pg` ships no types here */
type Any = any;

export interface PostgresEngineOptions {
  databaseUrl: string;
}

/**
 * Kept states of a set's history (its replayed earlier migrations), named for the replay cache's
 * content hash: copying one is many times faster than replaying the migrations again.
 */
const templatePrefix = 'rollsafe_tpl_';

function templateGroup(group: string): string {
  return group.replace(/[^0-9a-z]/g, '').slice(0, 8);
}

function templateName(key: string, group: string): string {
  return `${templatePrefix}${templateGroup(group)}_${key.replace(/[^0-9a-z]/g, '').slice(0, 32)}`;
}

export async function createPostgresEngine({ databaseUrl }: PostgresEngineOptions): Promise<Engine> {
  const pg = await loadPg();
  const admin = await openClient(pg, databaseUrl);
  // What an interrupted or stopped run left behind goes first.
  await dropOrphans(access(admin)).catch(() => undefined);
  await dropOrphanLogins(admin).catch(() => undefined);
  // Migration SQL runs as a throwaway login of the sandbox role, never as the URL's user.
  let sandboxLogin = await createSandboxLogin(admin);

  const connect = async (name: string) => {
    // Read as pg reads it: a socket URL (`postgres://user@/db?host=/var/run/postgresql`) is no WHATWG URL to edit.
    if (sandboxLogin) {
      try {
        const connection = await openClient(pg, databaseUrl, { database: name, user: sandboxLogin.user, password: sandboxLogin.password });
        await connection.query(`set role ${sandboxRole}`).catch(async (error: Error) => {
          await connection.end().catch(() => undefined);
          throw error;
        });
        return connection;
      } catch {
        // The server does not let the new login in (peer or certificate authentication): the URL's user it is.
        await dropLogin(admin, sandboxLogin.user);
        sandboxLogin = undefined;
      }
    }
    return openClient(pg, databaseUrl, { database: name });
  };
  // The database is made on first use: from a kept template when the first thing asked is to restore one.
  let database: string | undefined;
  let client: Any;
  let opening: Promise<Any> | undefined;
  const open = async (template?: string) => {
    const name = throwawayDatabaseName();
    // template1 (the default) is copied fastest: template0 and the file_copy strategy are slower on Postgres 15.
    await admin.query(`create database "${name}"${template ? ` template "${template}"` : ''}${sandboxLogin ? ` owner ${sandboxRole}` : ''}`);
    database = name;
    client = await connect(name);
    return client;
  };
  // The current session: saving a template reconnects.
  const ready = async (): Promise<Any> => {
    await (opening ??= open());
    return client;
  };
  let closed = false;

  const dropDatabase = async () => {
    if (database) await admin.query(`drop database if exists "${database}" with (force)`);
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
    await opening?.catch(() => undefined);
    await client?.end().catch(() => undefined);
    await dropDatabase().catch(() => undefined);
    if (sandboxLogin) await dropLogin(admin, sandboxLogin.user);
    await admin.end().catch(() => undefined);
  };
  process.once('beforeExit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const templates: NonNullable<Engine['templates']> = {
    async save(key, group) {
      const name = templateName(templateKey(key), group);
      await ready();
      // A database with a session open cannot be copied.
      await client.end().catch(() => undefined);
      try {
        await admin.query(`create database "${name}" template "${database}"`);
        // One older state of the set is worth keeping (the commit before); the rest only take room.
        const { rows } = await admin.query(`select datname from pg_database where datname like $1 and datname <> $2 order by oid desc offset 1`, [
          `${templatePrefix}${templateGroup(group)}\\_%`,
          name,
        ]);
        for (const { datname } of rows as { datname: string }[]) await admin.query(`drop database if exists "${datname}"`).catch(() => undefined);
      } catch {
        // Another run made it first, or the server refuses: the template only saves time.
      } finally {
        client = await connect(database!);
      }
    },
    async restore(key, group) {
      if (database) return false;
      const name = templateName(templateKey(key), group);
      const { rows } = await admin.query(`select 1 from pg_database where datname = $1`, [name]);
      if (rows.length === 0) return false;
      try {
        opening = open(name);
        await opening;
        return true;
      } catch {
        opening = undefined;
        database = undefined;
        return false;
      }
    },
  };

  // Templates kept by the URL's user hold objects the sandbox role cannot alter: each kind has its own.
  const templateKey = (key: string) => (sandboxLogin ? `r${key}` : key);

  const session = new SavepointSession(async (sql, params) => (await ready()).query(sql, params));
  const engine: Engine = {
    name: 'postgres',
    async query(sql, params) {
      engine.statementLog?.push(params?.length ? { sql, params } : { sql });
      return session.query(sql, params, async () => {
        const result = await (await ready()).query(sql, params?.length ? params : undefined);
        // Several statements without parameters answer with one result each; the last one speaks.
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        return toResult(last);
      });
    },
    async exec(sql) {
      engine.statementLog?.push({ sql });
      await session.query(sql, undefined, async () => (await ready()).query(sql));
    },
    checkpoint: () => session.begin(),
    snapshot: () => catalogSnapshot(async (sql) => toResult(await (await ready()).query(sql))),
    pgDriver: () => createPgDriver(engine),
    // In place: a fraction of a drop and create, which waits for the server to sync the files away.
    reset: async () => resetDatabase(async (sql) => (await ready()).query(sql)),
    templates,
    // A superuser-only statement (an untrusted extension) is the sandbox role's limit, not the migration's bug.
    isUnsupported: (error) => Boolean(sandboxLogin) && /permission denied to create extension|must be superuser/.test(String((error as Error)?.message)),
    close: cleanup,
  };
  return engine;
}

/** The role that owns throwaway databases and every object in them; no login, no privilege beyond them. */
const sandboxRole = 'rollsafe_sandbox';

/**
 * A login for this run only, with a random password, that can do nothing but act as the sandbox role.
 * Undefined when the URL's user may not create roles: then the URL's user runs the migrations.
 */
async function createSandboxLogin(admin: Any): Promise<{ user: string; password: string } | undefined> {
  const user = `rollsafe_${process.pid}_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  try {
    await admin.query(`do $$ begin create role ${sandboxRole} nologin; exception when duplicate_object or unique_violation then null; end $$`);
    await admin.query(`create role "${user}" login password '${password}' in role ${sandboxRole}`);
    return { user, password };
  } catch {
    return undefined;
  }
}

async function dropLogin(admin: Any, user: string): Promise<void> {
  await admin.query(`drop role if exists "${user}"`).catch(() => undefined);
}

/** Drops the logins of runs that are gone (killed before they could drop their own). */
async function dropOrphanLogins(admin: Any): Promise<void> {
  const logins = await admin.query(`select rolname from pg_roles where rolname ~ '^rollsafe_[0-9]+_[0-9a-f]+$'`);
  for (const { rolname } of logins.rows as { rolname: string }[]) {
    const pid = Number(/^rollsafe_(\d+)_/.exec(rolname)?.[1]);
    if (pid && processIsGone(pid)) await dropLogin(admin, rolname);
  }
}

/**
 * The main thread's last resort on Ctrl-C: its workers cannot catch signals, so it drops the databases
 * this process made on the server of `databaseUrl`.
 */
export async function dropThrowawayDatabasesOfThisProcess(databaseUrl: string): Promise<void> {
  const admin = await openClient(await loadPg(), databaseUrl);
  try {
    await dropThrowawaysOfThisProcess(access(admin));
    const logins = await admin.query(`select rolname from pg_roles where rolname like $1`, [`rollsafe\\_${process.pid}\\_%`]);
    for (const { rolname } of logins.rows as { rolname: string }[]) await dropLogin(admin, rolname);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function access(client: Any): ServerAccess {
  return { rows: async (sql) => (await client.query(sql)).rows, exec: async (sql) => void (await client.query(sql)) };
}

/** Fails (one line, exit 2), before any migration runs, when `pg` cannot be found. */
export async function checkPgInstalled(): Promise<void> {
  await loadPg();
}

function toResult(result: Any): DriverQueryResult {
  return {
    rows: result.rows ?? [],
    rowCount: result.rowCount ?? 0,
    command: result.command,
    fields: (result.fields ?? []).map((f: Any) => ({ name: f.name, dataTypeID: f.dataTypeID })),
  };
}
