// Runs node-pg-migrate migrations on an engine. Its own runner takes advisory locks and keeps a
// bookkeeping table, which pg-mem cannot do; so, like its `Migration.apply`, we drive the user's
// MigrationBuilder ourselves and run the SQL it collects, each statement traced to its `pgm.*` call.
import { callerIn } from '../../load/index.js';
import {
  MigrationRunError,
  type Direction,
  type MigrationFile,
  type MigrationRunner,
  type SourceLocation,
} from '../../types.js';
import type { RunnerContext } from '../adapter.js';
import { statementRunError } from '../run-errors.js';
import { FrameworkVersionError, installedPackage, requireSupported } from '../versions.js';

type Action = (pgm: MigrationBuilder, run?: () => void) => unknown;

interface MigrationBuilder {
  getSqlSteps(): string[];
  isUsingTransaction(): boolean;
  enableReverseMode(): MigrationBuilder;
  [operation: string]: unknown;
}

interface DbConnection {
  query(...args: unknown[]): Promise<{ rows: unknown[] }>;
  select(...args: unknown[]): Promise<unknown[]>;
}

type BuilderClass = new (
  db: DbConnection,
  typeShorthands: Record<string, unknown> | undefined,
  shouldDecamelize: boolean,
  logger: Record<string, (...args: unknown[]) => void>,
) => MigrationBuilder;

interface PgClient {
  connect(): Promise<void>;
  query(...args: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}

// Builder members that emit no SQL and so need no tracing.
const untraced = new Set(['db', 'func', 'getSql', 'getSqlSteps', 'noTransaction', 'isUsingTransaction', 'enableReverseMode']);
const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, log() {} };

export async function createNodePgMigrateRunner(context: RunnerContext): Promise<MigrationRunner> {
  const MigrationBuilder = await builderClass(context);
  const driver = context.engine.pgDriver();
  const client = new driver.Client() as PgClient;
  await client.connect();

  async function shorthandsUpTo(migration: MigrationFile): Promise<Record<string, unknown>> {
    // node-pg-migrate hands each migration the shorthands of every file loaded before it, its own included.
    let shorthands: Record<string, unknown> = {};
    for (const earlier of context.set.migrations) {
      if (earlier.path.endsWith('.sql')) continue;
      const loaded = await context.importMigration(earlier.path);
      shorthands = { ...shorthands, ...(loaded.shorthands as Record<string, unknown> | undefined) };
      if (earlier.path === migration.path) return shorthands;
    }
    const own = (await context.importMigration(migration.path)).shorthands as Record<string, unknown> | undefined;
    return { ...shorthands, ...own };
  }

  return {
    async run(migration: MigrationFile, direction: Direction): Promise<void> {
      const loaded = await context.importMigration(migration.path);
      const { action, reverse } = pickAction(loaded, direction);
      const file = migration.path;

      const db = tracedDb(client, file, context);
      const pgm = new MigrationBuilder(db, await shorthandsUpTo(migration), false, silentLogger);
      if (reverse) pgm.enableReverseMode();
      const emittedBy = traceOperations(pgm, file);

      try {
        if (action.length === 2) await new Promise<void>((resolve) => void action(pgm, resolve));
        else await action(pgm);
      } catch (error) {
        throw await statementRunError(error, file, context);
      }

      const steps = pgm.getSqlSteps();
      // In reverse mode the builder hands its steps back last-first; their origins follow.
      const origins = reverse ? [...emittedBy].reverse() : emittedBy;
      const transactional = pgm.isUsingTransaction();
      if (transactional) await client.query('BEGIN');
      try {
        for (const [index, sql] of steps.entries()) {
          try {
            await client.query(sql);
          } catch (error) {
            throw await statementRunError(error, file, context, { sql, loc: origins[index] });
          }
        }
        if (transactional) await client.query('COMMIT');
      } catch (error) {
        if (transactional) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    async close(): Promise<void> {
      await client.end();
    },
  };
}

/**
 * The project's MigrationBuilder: 8 and later export it; 6 and 7 keep it in a dist module
 * (`migration-builder`, then `migrationBuilder`) as the default export their own runner uses.
 */
async function builderClass(context: RunnerContext): Promise<BuilderClass> {
  const installed = installedPackage('node-pg-migrate', context.set.projectDir);
  requireSupported('node-pg-migrate', installed);
  const main = await context.requireFromProject<{ MigrationBuilder?: BuilderClass }>('node-pg-migrate');
  if (typeof main.MigrationBuilder === 'function') return main.MigrationBuilder;
  const inner = installed?.major === 6 ? 'node-pg-migrate/dist/migration-builder' : 'node-pg-migrate/dist/migrationBuilder';
  const module = await context.requireFromProject<{ default?: BuilderClass }>(inner);
  if (typeof module.default === 'function') return module.default;
  throw new FrameworkVersionError(`node-pg-migrate ${installed?.version ?? '(unknown version)'} has no MigrationBuilder rollsafe can find: rollsafe runs node-pg-migrate 6.x, 7.x, 8.x and 9.x`);
}

/** node-pg-migrate's `_getAction`: an omitted down is up run in reverse; `down = false` disables it. */
function pickAction(loaded: Record<string, unknown>, direction: Direction): { action: Action; reverse: boolean } {
  if (direction === 'up') {
    if (typeof loaded.up !== 'function') throw new MigrationRunError('the migration exports no up function');
    return { action: loaded.up as Action, reverse: false };
  }
  if (loaded.down === false) throw new MigrationRunError('the migration disables its down (`down = false`)');
  if (loaded.down === undefined && typeof loaded.up === 'function') return { action: loaded.up as Action, reverse: true };
  if (typeof loaded.down !== 'function') throw new MigrationRunError('the migration exports no down function');
  return { action: loaded.down as Action, reverse: false };
}

/** Wraps each `pgm.*` operation so every SQL step it emits remembers the line of its call. */
function traceOperations(pgm: MigrationBuilder, file: string): (SourceLocation | undefined)[] {
  const emittedBy: (SourceLocation | undefined)[] = [];
  for (const name of Object.keys(pgm)) {
    const operation = pgm[name];
    if (typeof operation !== 'function' || untraced.has(name) || name.startsWith('_')) continue;
    pgm[name] = (...args: unknown[]) => {
      const loc = callerIn(file);
      const before = pgm.getSqlSteps().length;
      const result: unknown = (operation as (...a: unknown[]) => unknown)(...args);
      for (let added = pgm.getSqlSteps().length - before; added > 0; added--) emittedBy.push(loc);
      return result;
    };
  }
  return emittedBy;
}

/** `pgm.db` reaches the engine at once (as in node-pg-migrate), failures traced to the calling line. */
function tracedDb(client: PgClient, file: string, context: RunnerContext): DbConnection {
  const query = async (...args: unknown[]) => {
    const loc = callerIn(file);
    try {
      return await client.query(...args);
    } catch (error) {
      const sql = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      throw await statementRunError(error, file, context, { sql, loc });
    }
  };
  return { query, select: async (...args: unknown[]) => (await query(...args)).rows };
}
