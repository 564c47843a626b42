// Opening a `pg` connection that gives up: a server that accepts TCP but never answers costs the
// connect timeout (the URL's connect_timeout, else PGCONNECT_TIMEOUT, else 10 s), not a hang, and
// every failure is one line naming what to fix.
import { createRequire } from 'node:module';
import { connectionProblem, connectSeconds, DeployError, parseDatabaseUrl } from '../deploy/server.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- `pg` ships no types here */
type Any = any;

export async function loadPg(): Promise<Any> {
  // Resolved from the user's project first, then from rollsafe's own dependencies.
  for (const base of [`${process.cwd()}/`, import.meta.url]) {
    try {
      return createRequire(base)('pg');
    } catch {
      // try the next place
    }
  }
  throw new DeployError('the postgres engine needs the `pg` package: npm install --save-dev pg');
}

/**
 * A connected client, or a DeployError saying in one line why not (unreachable, silent, refused credentials, no such database).
 * `overrides` (another database, another login) apply over the URL, read by pg-connection-string as `pg` reads it.
 */
export async function openClient(pg: Any, databaseUrl: string, overrides: { database?: string; user?: string; password?: string } = {}): Promise<Any> {
  const database = parseDatabaseUrl(databaseUrl);
  const seconds = connectSeconds(database);
  const { parse } = await import('pg-connection-string');
  const client = new pg.Client({ ...(parse(databaseUrl) as unknown as Record<string, unknown>), ...overrides, connectionTimeoutMillis: seconds * 1000 });
  // A notice-free session, and a dropped connection is reported by the query that meets it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const message = String((error as Error).message ?? error);
    throw new DeployError(connectionProblem(database, message) ?? `cannot connect to ${database.server}: ${message.split('\n')[0]}`);
  }
  return client;
}

/** The server of `databaseUrl` answers and takes its credentials: checked once, before any work starts. */
export async function checkServer(databaseUrl: string | undefined): Promise<void> {
  if (!databaseUrl) throw new DeployError('the postgres engine needs --database-url');
  const client = await openClient(await loadPg(), databaseUrl);
  await client.end().catch(() => undefined);
}
