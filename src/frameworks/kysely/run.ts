// Runs Kysely migrations on an engine with the user's own kysely, as its Migrator does: the
// migration's up/down gets the transaction (`db.connection().execute((db) =>
// db.transaction().execute((trx) => up(trx)))`), or the connection itself when transactions are off.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { captureCallSites, firstParagraph, frameIn, siteIn } from '../../load/index.js';
import {
  MigrationRunError,
  type Direction,
  type MigrationFile,
  type MigrationRunner,
  type SourceLocation,
} from '../../types.js';
import type { RunnerContext } from '../adapter.js';
import { markOrigin, runAction, withQuerySite } from '../action.js';
import { exportedAction } from '../run-errors.js';

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
const outsideTransaction = /\bindex\s+concurrently\b|\breindex\b[^;`]*\bconcurrently\b|\bdetach\s+partition\b[^;`]*\bconcurrently\b|[`'"]\s*vacuum\b/i;

/** Whether the Migrator must have had transactions off for this migration's source to run at all. */
export function needsNoTransaction(source: string): boolean {
  return outsideTransaction.test(source);
}

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
  const kysely = await loadKysely(context);
  const driver = context.engine.pgDriver();
  const postgres = new kysely.PostgresDialect({ pool: new driver.Pool() });
  const plugin = new CallSitePlugin();
  const db = new kysely.Kysely({ dialect: tracingDialect(postgres, context, plugin.sites), plugins: [plugin] });

  // Read once per migration: the protocol runs each one up to five times.
  const runsInTransaction = new Map<string, boolean>();
  const transactionalOf = (path: string) => {
    let transactional = runsInTransaction.get(path);
    if (transactional === undefined) runsInTransaction.set(path, (transactional = !needsNoTransaction(readFileSync(path, 'utf8'))));
    return transactional;
  };

  return {
    async run(migration: MigrationFile, direction: Direction): Promise<void> {
      const loaded = await context.importMigration(migration.path);
      const action = exportedAction(loaded, direction);
      const transactional = transactionalOf(migration.path);
      plugin.file = migration.path;
      try {
        await db.connection().execute(async (connection) => {
          // Each call as the migration's own: a query it starts and never awaits is still known as its own.
          if (!transactional) return runAction(() => (action as Action)(connection));
          return connection.transaction().execute(async (trx) => runAction(() => (action as Action)(trx)));
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
function tracingDialect(postgres: Dialect, context: RunnerContext, sitesOf: WeakMap<object, SourceLocation | undefined>): Dialect {
  return {
    createQueryCompiler: () => postgres.createQueryCompiler(),
    createAdapter: () => postgres.createAdapter(),
    createIntrospector: (db) => snapshotIntrospector(postgres.createIntrospector(db) as Introspector, context),
    createDriver() {
      const driver = postgres.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      // Patched in place, not proxied: the driver reaches the connection's private fields.
      driver.acquireConnection = async (...args: unknown[]) => {
        const connection = await acquire(...args);
        if (!connection[patched]) {
          const execute = connection.executeQuery.bind(connection);
          connection.executeQuery = (query, ...rest) =>
            withQuerySite({ loc: sitesOf.get(query.queryId) }, async () => {
              try {
                return await execute(query, ...rest);
              } catch (error) {
                if (isObject(error) && !(failedQuery in error)) {
                  const failure: FailedQuery = { sql: query.sql, queryId: query.queryId };
                  Object.defineProperty(error, failedQuery, { value: failure });
                }
                throw markOrigin(error);
              }
            });
          connection[patched] = true;
        }
        return connection;
      };
      return driver;
    },
  };
}

interface TableMetadata {
  name: string;
  schema?: string;
  isView: boolean;
  columns: { name: string; dataType: string; isNullable: boolean; isAutoIncrementing: boolean; hasDefaultValue: boolean }[];
}

interface Introspector {
  getSchemas(): Promise<{ name: string }[]>;
  getTables(options?: { withInternalKyselyTables?: boolean }): Promise<TableMetadata[]>;
  getMetadata(options?: { withInternalKyselyTables?: boolean }): Promise<{ tables: TableMetadata[] }>;
}

/**
 * `db.introspection` as the user's dialect answers it; where pg-mem cannot run its catalog query
 * (the `!~` operator), the answer comes from the engine's schema snapshot, so migrations guarded by
 * `getTables()` stay on pg-mem. Real Postgres engines always answer themselves.
 */
function snapshotIntrospector(real: Introspector, context: RunnerContext): Introspector {
  const fromSnapshot = async (options?: { withInternalKyselyTables?: boolean }): Promise<TableMetadata[]> => {
    const snapshot = await context.engine.snapshot();
    const split = (key: string) => (key.includes('.') ? { schema: key.slice(0, key.indexOf('.')), name: key.slice(key.indexOf('.') + 1) } : { schema: 'public', name: key });
    const tables = Object.entries(snapshot.tables).map(([key, table]) => ({
      ...split(key),
      isView: false,
      columns: Object.entries(table.columns).map(([name, column]) => ({
        name,
        dataType: column.type,
        isNullable: column.nullable,
        isAutoIncrementing: /nextval\(/.test(column.default ?? '') || column.generated !== undefined,
        hasDefaultValue: column.default !== undefined,
      })),
    }));
    const views = Object.keys(snapshot.views).map((key) => ({ ...split(key), isView: true, columns: [] }));
    const internal = /^kysely_migration(?:_lock)?$/;
    return [...tables, ...views].filter((table) => options?.withInternalKyselyTables || !internal.test(table.name));
  };
  const answered = async <T>(ask: () => Promise<T>, fallback: () => Promise<T>): Promise<T> => {
    try {
      return await ask();
    } catch (error) {
      if (context.engine.name !== 'pg-mem') throw error;
      return fallback();
    }
  };
  return {
    getSchemas: () => answered(() => real.getSchemas(), async () => ['public', ...(await context.engine.snapshot()).schemas].map((name) => ({ name }))),
    getTables: (options) => answered(() => real.getTables(options), () => fromSnapshot(options)),
    getMetadata: (options) => answered(() => real.getMetadata(options), async () => ({ tables: await fromSnapshot(options) })),
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
 * The `.execute()` call site moved back to where its chain starts, as the static reader places it: at
 * the schema method (`.createTable`) when it sits on its own line under `await db.schema`, else at the
 * chain's first identifier. Walks the text backwards over `.name(…)` links and balanced brackets.
 */
export function statementStart(site: SourceLocation, source = readSource(site.file)): SourceLocation {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const lineStart = lineStarts[site.line - 1];
  if (lineStart === undefined) return site;
  const place = (offset: number): SourceLocation => {
    let line = lineStarts.findIndex((start) => start > offset);
    line = line === -1 ? lineStarts.length : line;
    return { file: site.file, line, column: offset - lineStarts[line - 1] + 1 };
  };
  let at = lineStart + site.column - 1;
  // The site points at the method name or the dot before it: settle on the start of `execute`.
  if (source[at] === '.') at++;
  while (at > 0 && /[\w$]/.test(source[at - 1])) at--;
  const names: { name: string; offset: number }[] = [];
  for (;;) {
    let i = skipSpaceBack(source, at - 1);
    if (source[i] !== '.') break;
    i = skipSpaceBack(source, i - 1);
    if (source[i] === ')' || source[i] === ']') i = skipSpaceBack(source, matchBack(source, i) - 1);
    if (source[i] === '`') i = source.lastIndexOf('`', i - 1) - 1;
    let nameStart = i + 1;
    while (nameStart > 0 && /[\w$]/.test(source[nameStart - 1])) nameStart--;
    if (nameStart > i) break;
    names.unshift({ name: source.slice(nameStart, i + 1), offset: nameStart });
    at = nameStart;
  }
  if (names.length === 0) return site;
  const start = place(names[0].offset);
  const schemaIndex = names.findIndex((link) => link.name === 'schema');
  const method = schemaIndex >= 0 ? names[schemaIndex + 1] : undefined;
  if (method && place(method.offset).line !== start.line) return place(method.offset);
  return start;
}

function skipSpaceBack(source: string, index: number): number {
  let i = index;
  while (i >= 0 && /\s/.test(source[i])) i--;
  return i;
}

/** The offset of the bracket opening the one closing at `index`, skipping quoted text. */
function matchBack(source: string, index: number): number {
  let depth = 0;
  for (let i = index; i >= 0; i--) {
    const ch = source[i];
    if (ch === "'" || ch === '"' || ch === '`') {
      i = source.lastIndexOf(ch, i - 1);
      if (i < 0) return 0;
    } else if (ch === ')' || ch === ']' || ch === '}') depth++;
    else if (ch === '(' || ch === '[' || ch === '{') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return 0;
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

/**
 * The project's Kysely. Versions with a CommonJS build (before 0.28) brand their builders' prototypes
 * when loaded: a second evaluation of those modules, native beside the migrations' loader, throws
 * "Cannot redefine property: then". Those load through the migrations' own loader, once.
 */
async function loadKysely(context: RunnerContext): Promise<KyselyModule> {
  let resolved: string | undefined;
  try {
    resolved = createRequire(join(context.set.projectDir, 'package.json')).resolve('kysely');
  } catch {
    resolved = undefined;
  }
  if (resolved && /[\\/]dist[\\/]cjs[\\/]/.test(resolved)) return (await context.importMigration(resolved)) as unknown as KyselyModule;
  return context.requireFromProject<KyselyModule>('kysely');
}
