// A live Postgres reached through its own client tools (psql, pg_dump, pg_restore). Credentials go
// to the child tools through their environment (PGPASSWORD), never through their arguments.
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseConnectionString } from 'pg-connection-string';

/** A problem the user can fix (unreachable server, wrong credentials, missing tool): one line, exit 2. */
export class DeployError extends Error {
  override name = 'DeployError';
}

/** One database on one server, as the child tools reach it. */
export interface Database {
  /** The database name. */
  name: string;
  /** `host:port`, for messages. */
  server: string;
  /** The URL with its password left out: safe to print and to store in a manifest. */
  safeUrl: string;
  /** PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE… for the child tools. */
  env: Record<string, string>;
}

const envOfParam: Record<string, string> = {
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  options: 'PGOPTIONS',
  passfile: 'PGPASSFILE',
};

/** `option` names where the URL came from, for the message when it is not one. */
export function parseDatabaseUrl(databaseUrl: string, option = '--database-url'): Database {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(databaseUrl)?.[1];
  const notAUrl = new DeployError(`${option} is not a URL (expected postgres://user@host:5432/database)`);
  if (!scheme) throw notAUrl;
  if (!/^postgres(ql)?$/i.test(scheme)) throw new DeployError(`${option} must start with postgres://, not ${scheme}://`);
  // pg-connection-string reads URLs as pg does, including those WHATWG URL refuses (postgres://user@/db?host=/cloudsql/x).
  let config: { host?: string | null; port?: string | number | null; database?: string | null; user?: string; password?: string };
  try {
    config = parseConnectionString(databaseUrl);
  } catch {
    throw notAUrl;
  }
  const name = config.database || config.user || 'postgres';
  const env: Record<string, string> = { PGHOST: config.host || 'localhost', PGPORT: String(config.port || '5432'), PGDATABASE: name, PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT || '10' };
  if (config.user) env.PGUSER = config.user;
  if (config.password) env.PGPASSWORD = config.password;
  for (const [param, value] of new URLSearchParams(databaseUrl.split('?')[1] ?? '')) {
    if (envOfParam[param]) env[envOfParam[param]] = value;
  }
  return { name, server: `${env.PGHOST}:${env.PGPORT}`, safeUrl: withoutPassword(databaseUrl), env };
}

/** The URL with its password (`user:secret@`) left out. */
function withoutPassword(databaseUrl: string): string {
  return databaseUrl.replace(/^(postgres(?:ql)?:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1@');
}

/** The same server, another database on it (scratch databases, the maintenance database). */
export function otherDatabase(database: Database, name: string): Database {
  const [, authority, , rest] = /^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/is.exec(database.safeUrl) ?? [];
  const safeUrl = authority === undefined ? database.safeUrl : `${authority}/${encodeURIComponent(name)}${rest}`;
  return { ...database, name, safeUrl, env: { ...database.env, PGDATABASE: name } };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The environment a child tool gets: ours (a PGPASSWORD or PGPASSFILE set by the user still counts), then the URL's. */
function childEnv(database: Database): NodeJS.ProcessEnv {
  return { ...process.env, ...database.env, PGAPPNAME: database.env.PGAPPNAME ?? 'rollsafe' };
}

/** Where the client tools are: $ROLLSAFE_PG_BIN, else PATH. */
export function toolPath(tool: 'psql' | 'pg_dump' | 'pg_restore', binDir = process.env.ROLLSAFE_PG_BIN): string {
  return binDir ? join(binDir, tool) : tool;
}

/** How long a connection attempt may take: the URL's connect_timeout, else PGCONNECT_TIMEOUT, else 10 s. */
export function connectSeconds(database: Database): number {
  const seconds = Number(database.env.PGCONNECT_TIMEOUT ?? process.env.PGCONNECT_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? Math.max(2, seconds) : 10;
}

/** The server's complaint (psql's or the `pg` package's) said as what the user should fix. */
export function connectionProblem(database: Database, stderr: string): string | undefined {
  // A statement's error (psql:FILE:LINE: ERROR: role "x" does not exist) is not about the connection.
  if (/^psql:.*:\d+: (ERROR|FATAL):/m.test(stderr)) return undefined;
  const text = stderr.replace(/\s+/g, ' ');
  if (/timeout expired|connection timeout/i.test(text)) {
    return `the Postgres server at ${database.server} did not answer within ${connectSeconds(database)} s (connect_timeout)`;
  }
  if (/Connection refused|could not translate host name|No route to host|Network is unreachable|could not connect to server|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET/i.test(text)) {
    return `cannot reach the Postgres server at ${database.server}`;
  }
  if (/password authentication failed|no password supplied|authentication failed|no pg_hba\.conf entry|role "[^"]*" does not exist/i.test(text)) {
    return `the server at ${database.server} refused the credentials of user "${database.env.PGUSER ?? '(default)'}"`;
  }
  const missing = /database "([^"]+)" does not exist/.exec(text);
  if (missing) return `database "${missing[1]}" does not exist on ${database.server}`;
  return undefined;
}

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/** Stops every client tool still running (on Ctrl-C: a psql mid-restore rolls back, a pg_dump stops writing). */
export function stopTools(): void {
  for (const child of running) child.kill('SIGTERM');
}

/** Runs a client tool against `database`, stdin from `input` (a string) or nothing. */
export function runTool(tool: string, args: string[], database: Database, input?: string): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(tool, args, { env: childEnv(database), maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      running.delete(child);
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new DeployError(`${tool} is not installed or not on PATH (install the PostgreSQL client tools, or set ROLLSAFE_PG_BIN)`));
        return;
      }
      resolve({ code, stdout, stderr });
    });
    running.add(child);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Rows of one query, through psql as JSON (so psql is all rollsafe needs to read a server). */
export async function queryRows(database: Database, sql: string): Promise<Record<string, any>[]> {
  const wrapped = `select coalesce(json_agg(q), '[]'::json) from (${sql}) q`;
  const run = await runTool(toolPath('psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', '-'], database, wrapped);
  if (run.code !== 0) throw new DeployError(connectionProblem(database, run.stderr) ?? `query failed on ${database.name}: ${firstError(run.stderr)}`);
  return JSON.parse(run.stdout.trim() || '[]');
}

/** Runs statements through psql, stopping at the first error. */
export async function execSql(database: Database, sql: string): Promise<void> {
  const run = await runTool(toolPath('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'], database, sql);
  if (run.code !== 0) throw new DeployError(connectionProblem(database, run.stderr) ?? `${firstError(run.stderr)} (on ${database.name})`);
}

/** The first error line a tool printed, without its `psql:<stdin>:3:` prefix. */
export function firstError(stderr: string): string {
  const line = stderr.split('\n').find((l) => /ERROR|FATAL|error:/.test(l)) ?? stderr.split('\n').find((l) => l.trim()) ?? 'failed';
  return line.replace(/^.*?(ERROR|FATAL|error):\s*/, '').trim();
}

/** The server's major version, read once the server answers at all. */
export async function serverMajor(database: Database): Promise<{ major: number; version: string }> {
  const [row] = await queryRows(database, `select current_setting('server_version_num')::int as num, current_setting('server_version') as version`);
  return { major: Math.floor(row.num / 10000), version: String(row.version) };
}

/**
 * The client tools' major must match or exceed the server's (pg_dump refuses a newer server).
 * Looks in $ROLLSAFE_PG_BIN, else on PATH then in Debian's /usr/lib/postgresql/<major>/bin; says in one line what is missing.
 */
export async function checkClientTools(database: Database, serverVersion: number): Promise<void> {
  // An explicit ROLLSAFE_PG_BIN is the only place looked at.
  const candidates = process.env.ROLLSAFE_PG_BIN ? [process.env.ROLLSAFE_PG_BIN] : [undefined, `/usr/lib/postgresql/${serverVersion}/bin`];
  let seen: number | undefined;
  for (const dir of new Set(candidates)) {
    if (dir !== undefined && !existsSync(join(dir, 'pg_dump'))) continue;
    const run = await runTool(toolPath('pg_dump', dir), ['--version'], database).catch(() => undefined);
    const major = run && Number(/(\d+)(?:\.\d+)?/.exec(run.stdout)?.[1]);
    if (!major) continue;
    seen ??= major;
    if (major >= serverVersion) {
      if (dir) process.env.ROLLSAFE_PG_BIN = dir; // psql and pg_restore come from the same place
      return;
    }
  }
  if (seen === undefined) throw new DeployError('pg_dump is not installed or not on PATH (install the PostgreSQL client tools, or set ROLLSAFE_PG_BIN)');
  throw new DeployError(`pg_dump ${seen} is older than the server (PostgreSQL ${serverVersion}): install the PostgreSQL ${serverVersion} client tools or set ROLLSAFE_PG_BIN`);
}
