// Runs MikroORM migrations on an engine without booting the ORM. MikroORM.init connects, reads
// metadata and discovers entities, none of which a migration needs; its MigrationRunner.run only
// calls up()/down() on an instance, collects what addSql queued and executes it in one transaction
// (unless `isTransactional()` is false). We do the same with the user's migration class, handing it
// a minimal driver: `this.execute(…)` reaches the engine at once, as it does in MikroORM.
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

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount?: number | null }>;
  end(): Promise<void>;
}

interface MigrationInstance {
  up?: () => unknown;
  down?: () => unknown;
  isTransactional?: () => boolean;
  addSql?: (sql: unknown) => void;
  getQueries?: () => unknown[];
  reset?: () => void;
}

/** One statement a migration queued, and the line of the addSql call that queued it. */
interface Queued {
  query: unknown;
  loc?: SourceLocation;
}

type KnexFactory = (config: unknown) => unknown;

// The configuration values a migration may read through `this.config.get(…)` (core Configuration defaults).
const configDefaults: Record<string, unknown> = { charset: 'utf8', schema: undefined, dbName: 'rollsafe', debug: false };

export async function createMikroOrmRunner(context: RunnerContext): Promise<MigrationRunner> {
  const client = new (context.engine.pgDriver().Client)() as PgClient;
  await client.connect();
  // @mikro-orm/migrations pulls in core, knex and umzug (seconds): load it now, not inside the
  // first migration's timeout. A copy that cannot load is the migration's load error to report.
  await context.requireFromProject('@mikro-orm/migrations').catch(() => undefined);
  let knex: unknown;

  /** MikroORM 6's `this.getKnex()`: a knex for building queries only, never connected. */
  async function queryBuilder(): Promise<unknown> {
    if (knex) return knex;
    const module = await context.requireFromProject<KnexFactory & { knex?: KnexFactory; default?: KnexFactory }>('knex');
    const create = module.knex ?? module.default ?? module;
    knex = create({ client: 'pg' });
    return knex;
  }

  return {
    async run(migration: MigrationFile, direction: Direction): Promise<void> {
      const file = migration.path;
      const MigrationClass = migrationClassOf(await context.importMigration(file));
      // Loaded before the migration runs: getKnex() is synchronous in MikroORM.
      const builder = usesKnex(MigrationClass) ? await queryBuilder().catch(() => undefined) : undefined;
      const driver = engineDriver(client, file, context, builder);
      const config = { get: (key: string, fallback?: unknown) => configDefaults[key] ?? fallback };
      let instance: MigrationInstance;
      try {
        instance = new MigrationClass(driver, config) as MigrationInstance;
      } catch (error) {
        throw await statementRunError(error, file, context);
      }
      const queued = traceAddSql(instance, file);
      const action = instance[direction];
      if (typeof action !== 'function') throw new MigrationRunError(`the migration class has no ${direction}()`);

      // MigrationRunner.run: Migrator's `transactional` option (default true) and the migration's own isTransactional().
      const transactional = instance.isTransactional?.() !== false;
      if (transactional) await client.query('BEGIN');
      try {
        try {
          // up()/down() run inside the transaction: `this.execute(…)` there sees and joins it.
          await action.call(instance);
        } catch (error) {
          throw await statementRunError(error, file, context);
        }
        for (const { query, loc } of queued()) {
          for (const statement of statementsOf(query)) {
            if (!statement.sql.trim()) continue;
            if (transactional && context.engine.name === 'pg-mem' && (await refusedInTransaction(statement.sql))) {
              // pg-mem runs CONCURRENTLY and friends inside BEGIN; Postgres refuses them: let PGlite judge.
              throw new MigrationRunError('pg-mem does not refuse this statement inside a transaction as Postgres does', loc, statement.sql, true);
            }
            try {
              await client.query(statement.sql, statement.params);
            } catch (error) {
              throw await statementRunError(error, file, context, { sql: statement.sql, loc });
            }
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
      await (knex as { destroy?: () => Promise<void> } | undefined)?.destroy?.();
    },
  };
}

type MigrationConstructor = new (driver: unknown, config: unknown) => unknown;

/** Migrator.resolve takes the first exported function; a class with an up() is preferred here. */
function migrationClassOf(loaded: Record<string, unknown>): MigrationConstructor {
  const functions = Object.values(loaded).filter((value): value is MigrationConstructor => typeof value === 'function');
  const found = functions.find((fn) => typeof (fn.prototype as MigrationInstance | undefined)?.up === 'function') ?? functions[0];
  if (!found) throw new MigrationRunError('the file exports no migration class');
  return found;
}

function usesKnex(MigrationClass: MigrationConstructor): boolean {
  for (let proto = MigrationClass.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = (proto as Record<string, unknown>)[name];
      if (name !== 'getKnex' && typeof value === 'function' && /\bgetKnex\s*\(/.test(Function.prototype.toString.call(value))) return true;
    }
  }
  return false;
}

/** Remembers the line of each addSql call; the queue itself stays the migration's own (getQueries). */
function traceAddSql(instance: MigrationInstance, file: string): () => Queued[] {
  const own: Queued[] = [];
  const locs: (SourceLocation | undefined)[] = [];
  const addSql = instance.addSql;
  instance.addSql = function (this: MigrationInstance, sql: unknown) {
    locs.push(callerIn(file));
    if (typeof addSql === 'function') return addSql.call(this, sql);
    own.push({ query: sql });
  };
  return () => {
    const queries = typeof instance.getQueries === 'function' ? instance.getQueries() : own.map((q) => q.query);
    return queries.map((query, index) => ({ query, loc: locs[index] }));
  };
}

interface Statement {
  sql: string;
  params?: unknown[];
}

/** What one queued entry runs: a string, a knex builder (`toSQL()`), a Kysely query (`compile()`). */
function statementsOf(query: unknown): Statement[] {
  if (typeof query === 'string') return [{ sql: query }];
  if (typeof query !== 'object' || query === null) return [{ sql: String(query) }];
  const builder = query as { toSQL?: () => unknown; compile?: () => { sql: string; parameters?: unknown[] } };
  if (typeof builder.toSQL === 'function') {
    const compiled = builder.toSQL();
    const list = Array.isArray(compiled) ? compiled : [compiled];
    return list.map((entry: { sql: string; bindings?: unknown[]; toNative?: () => { sql: string; bindings: unknown[] } }) => {
      const native = typeof entry.toNative === 'function' ? entry.toNative() : { sql: entry.sql, bindings: entry.bindings ?? [] };
      return native.bindings.length > 0 ? { sql: native.sql, params: native.bindings } : { sql: native.sql };
    });
  }
  if (typeof builder.compile === 'function') {
    const { sql, parameters } = builder.compile();
    return [parameters?.length ? { sql, params: [...parameters] } : { sql }];
  }
  return [{ sql: String(query) }];
}

const maybeOutsideTransaction = /\b(?:concurrently|vacuum|reindex|cluster|database|tablespace|subscription|system|detach)\b/i;

/** A statement Postgres cannot run inside a transaction block (read with the real parser). */
async function refusedInTransaction(sql: string): Promise<boolean> {
  if (!maybeOutsideTransaction.test(sql)) return false;
  const { analyseSql } = await import('../../sql/index.js');
  try {
    return !(await analyseSql(sql, { file: 'statement.sql', direction: 'up' })).transactional;
  } catch {
    return false;
  }
}

/** MikroORM binds with `?` (and `??` for identifiers); the engine wants `$n`. Quoted text is left alone. */
export function toNativeParams(sql: string, params: unknown[] = []): Statement {
  if (params.length === 0) return { sql };
  const values: unknown[] = [];
  let index = 0;
  const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?\?|\?/g, (token) => {
    if (token === '??') return `"${String(params[index++]).replace(/"/g, '""')}"`;
    if (token !== '?') return token;
    values.push(params[index++]);
    return `$${values.length}`;
  });
  return values.length > 0 ? { sql: text, params: values } : { sql: text };
}

/** The driver a migration instance gets: execute() on the engine, getKnex() for builders, nothing else. */
function engineDriver(client: PgClient, file: string, context: RunnerContext, knex: unknown) {
  return {
    async execute(query: unknown, params: unknown[] = [], method: 'all' | 'get' | 'run' = 'all') {
      const loc = callerIn(file);
      const statements = typeof query === 'string' ? [toNativeParams(query, params)] : statementsOf(query);
      let result: Awaited<ReturnType<PgClient['query']>> = { rows: [] };
      for (const statement of statements) {
        try {
          result = await client.query(statement.sql, statement.params);
        } catch (error) {
          throw await statementRunError(error, file, context, { sql: statement.sql, loc });
        }
      }
      if (method === 'get') return result.rows[0];
      if (method === 'run') return { affectedRows: result.rowCount ?? 0, rows: result.rows };
      return result.rows;
    },
    getConnection() {
      return {
        getKnex() {
          if (!knex) throw new MigrationRunError('getKnex() needs knex, which is not installed in the project', callerIn(file));
          return knex;
        },
        execute: (query: unknown, params?: unknown[]) => this.execute(query, params),
      };
    },
    createEntityManager() {
      // The entity manager needs the ORM's metadata, which rollsafe does not boot.
      throw new MigrationRunError('getEntityManager() needs a booted MikroORM, which rollsafe does not start', callerIn(file), undefined, true);
    },
  };
}
