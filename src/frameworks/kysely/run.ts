// Runs Kysely migrations on an engine with the user's own kysely, as its Migrator does: the
// migration's up/down gets the transaction (`db.connection().execute((db) =>
// db.transaction().execute((trx) => up(trx)))`), or the connection itself when transactions are off.
import { readFileSync } from 'node:fs';
import { captureCallSites, firstParagraph, frameIn, siteIn } from '../../load/index.js';
import {
  MigrationRunError,
  type Direction,
  type MigrationFile,
  type MigrationRunner,
  type SourceLocation,
} from '../../types.js';
import type { RunnerContext } from '../adapter.js';

// The statement the engine refused: its SQL and the queryId kysely compiled it under.
const failedQuery = Symbol('rollsafe.failedQuery');

interface FailedQuery {
  sql: string;
  queryId: object;
}

interface CompiledQuery {
  sql: string;
  queryId: object;
}

interface DatabaseConnection {
  executeQuery(query: CompiledQuery, ...rest: unknown[]): Promise<unknown>;
  [patched]?: true;
}
const patched = Symbol('rollsafe.patched');

interface Driver {
  init(): Promise<void>;
  acquireConnection(...args: unknown[]): Promise<DatabaseConnection>;
  destroy(): Promise<void>;
  [member: string]: unknown;
}

interface Dialect {
  createDriver(): Driver;
  createQueryCompiler(): unknown;
  createAdapter(): unknown;
  createIntrospector(db: unknown): unknown;
}

interface KyselyDb {
  connection(): { execute<T>(run: (db: KyselyDb) => Promise<T>): Promise<T> };
  transaction(): { execute<T>(run: (trx: KyselyDb) => Promise<T>): Promise<T> };
  destroy(): Promise<void>;
}

interface KyselyModule {
  Kysely: new (config: { dialect: Dialect; plugins?: unknown[] }) => KyselyDb;
  PostgresDialect: new (config: { pool: unknown }) => Dialect;
}

type Action = (db: KyselyDb) => unknown;

// Statements Postgres refuses inside a transaction block: a migration holding them only ever ran
// under a Migrator with `disableTransactions: true`, so it runs without one here too.
const outsideTransaction = /\b(?:concurrently|vacuum)\b/i;

/** Where each query was built: the migration line of the `.execute()` that compiled it. */
class CallSitePlugin {
  file?: string;
  readonly sites = new WeakMap<object, SourceLocation | undefined>();

  transformQuery(args: { node: unknown; queryId: object }): unknown {
    // Plugins run synchronously inside `.execute()`: the migration's frame is on the stack.
    if (this.file) this.sites.set(args.queryId, siteIn(captureCallSites(), this.file));
    return args.node;
  }

  async transformResult(args: { result: unknown }): Promise<unknown> {
    return args.result;
  }
}

export async function createKyselyRunner(context: RunnerContext): Promise<MigrationRunner> {
  const kysely = await context.requireFromProject<KyselyModule>('kysely');
  const driver = context.engine.pgDriver();
  const postgres = new kysely.PostgresDialect({ pool: new driver.Pool() });
  const plugin = new CallSitePlugin();
  const db = new kysely.Kysely({ dialect: tracingDialect(postgres), plugins: [plugin] });

  return {
    async run(migration: MigrationFile, direction: Direction): Promise<void> {
      const loaded = await context.importMigration(migration.path);
      const action = loaded[direction];
      if (typeof action !== 'function') {
        throw new MigrationRunError(`the migration exports no ${direction} function`);
      }
      const transactional = !outsideTransaction.test(readFileSync(migration.path, 'utf8'));
      plugin.file = migration.path;
      try {
        await db.connection().execute(async (connection) => {
          if (!transactional) return (action as Action)(connection);
          return connection.transaction().execute(async (trx) => (action as Action)(trx));
        });
      } catch (error) {
        throw await runError(error, migration.path, plugin, context);
      } finally {
        plugin.file = undefined;
      }
    },
    async close(): Promise<void> {
      await db.destroy();
    },
  };
}

/** The user's PostgresDialect, its connections remembering which compiled query the engine refused. */
function tracingDialect(postgres: Dialect): Dialect {
  return {
    createQueryCompiler: () => postgres.createQueryCompiler(),
    createAdapter: () => postgres.createAdapter(),
    createIntrospector: (db) => postgres.createIntrospector(db),
    createDriver() {
      const driver = postgres.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      // Patched in place, not proxied: the driver reaches the connection's private fields.
      driver.acquireConnection = async (...args: unknown[]) => {
        const connection = await acquire(...args);
        if (!connection[patched]) {
          const execute = connection.executeQuery.bind(connection);
          connection.executeQuery = async (query, ...rest) => {
            try {
              return await execute(query, ...rest);
            } catch (error) {
              if (isObject(error) && !(failedQuery in error)) {
                const failure: FailedQuery = { sql: query.sql, queryId: query.queryId };
                Object.defineProperty(error, failedQuery, { value: failure });
              }
              throw error;
            }
          };
          connection[patched] = true;
        }
        return connection;
      };
      return driver;
    },
  };
}

async function runError(error: unknown, file: string, plugin: CallSitePlugin, context: RunnerContext): Promise<MigrationRunError> {
  if (error instanceof MigrationRunError) return error;
  const err = (isObject(error) ? error : { message: String(error) }) as Error & { [failedQuery]?: FailedQuery };
  const failure = err[failedQuery];
  const site = (failure && plugin.sites.get(failure.queryId)) ?? frameIn(err.stack ?? '', file);
  const loc = site && statementStart(site);
  return new MigrationRunError(firstParagraph(String(err.message)), loc, failure?.sql, await context.engine.isUnsupported(error));
}

/**
 * The `.execute()` call site moved up to where its chain starts, as the static reader places it: the
 * first `.createTable(…)` line under a bare `await db.schema`, else the line the statement begins on.
 */
export function statementStart(site: SourceLocation, source = readSource(site.file)): SourceLocation {
  const lines = source.split('\n');
  let index = site.line - 1;
  if (!/^\s*\./.test(lines[index] ?? '')) return site;
  while (index > 0 && /^\s*\./.test(lines[index - 1])) index--;
  const above = lines[index - 1];
  if (above !== undefined && !/(?:^|[\s(])(?:await\s+)?[\w$.]*\.schema\s*$/.test(above)) index--;
  const line = lines[index];
  return { file: site.file, line: index + 1, column: line.length - line.trimStart().length + 1 };
}

function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
