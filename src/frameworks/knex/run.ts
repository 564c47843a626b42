// Runs knex migrations on an engine with the user's own knex, as `knex migrate:up/down` would:
// each migration in a transaction unless its `config.transaction` is false.
import { captureCallSites, firstParagraph, frameIn, siteIn } from '../../load/index.js';
import { MigrationRunError, type Direction, type MigrationFile, type MigrationRunner } from '../../types.js';
import type { RunnerContext } from '../adapter.js';
import { builtQuery, markOrigin, runAction, withQuerySite } from '../action.js';
import { exportedAction } from '../run-errors.js';

// The builder's creation stack: the line of the `knex.schema…` / `knex('t')…` call in the migration.
const issuedAt = Symbol('rollsafe.issuedAt');
// The statement the engine refused, and its message before knex prefixes the SQL to it.
const failedQuery = Symbol('rollsafe.failedQuery');

interface FailedQuery {
  sql: string;
  message: string;
}

type KnexInstance = {
  (table?: string): unknown;
  transaction<T>(run: (trx: unknown) => Promise<T>): Promise<T>;
  destroy(): Promise<void>;
  client: { constructor: new (config: unknown) => object };
};
type KnexFactory = (config: unknown) => KnexInstance;

type ClientWithHooks = {
  queryBuilder(): object;
  schemaBuilder(): object;
  raw(...args: unknown[]): object;
  runner(builder: object): { run(): Promise<unknown> };
  _query(connection: unknown, query: { sql: string }): Promise<unknown>;
  _driver(): unknown;
  checkVersion(connection: unknown): Promise<string>;
};

export async function createKnexRunner(context: RunnerContext): Promise<MigrationRunner> {
  const knexModule = await context.requireFromProject<KnexFactory & { knex?: KnexFactory; default?: KnexFactory }>('knex');
  const createKnex: KnexFactory = knexModule.knex ?? knexModule.default ?? knexModule;
  const driver = context.engine.pgDriver();

  // The user's knex picks its Postgres dialect class; no connection means no driver is loaded yet.
  const probe = createKnex({ client: 'pg' });
  const PgClient = probe.client.constructor as unknown as new (config: unknown) => ClientWithHooks;
  await probe.destroy();

  // A subclass rather than patched instances: knex clones the client's prototype for transactions.
  class EngineClient extends PgClient {
    _driver(): unknown {
      return driver;
    }
    // pg-mem has no version(); knex only uses the answer to pick JSON types for Postgres < 9.2.
    async checkVersion(connection: unknown): Promise<string> {
      try {
        return await super.checkVersion(connection);
      } catch {
        return '16.0';
      }
    }
    queryBuilder(): object {
      return tagged(super.queryBuilder());
    }
    schemaBuilder(): object {
      return watchedUntilSent(tagged(super.schemaBuilder()), 'knex.schema');
    }
    raw(...args: unknown[]): object {
      return watchedUntilSent(tagged(super.raw(...args)), 'knex.raw');
    }
    runner(builder: object): { run(): Promise<unknown> } {
      const runner = super.runner(builder);
      const run = runner.run.bind(runner);
      const sites = (builder as Record<symbol, NodeJS.CallSite[] | undefined>)[issuedAt];
      runner.run = () =>
        withQuerySite({ sites }, async () => {
          try {
            return await run();
          } catch (error) {
            if (isObject(error) && !(issuedAt in error)) Object.defineProperty(error, issuedAt, { value: sites });
            throw markOrigin(error);
          }
        });
      return runner;
    }
    async _query(connection: unknown, query: { sql: string }): Promise<unknown> {
      try {
        return await super._query(connection, query);
      } catch (error) {
        if (isObject(error) && !(failedQuery in error)) {
          const failure: FailedQuery = { sql: query.sql, message: String((error as Error).message) };
          Object.defineProperty(error, failedQuery, { value: failure });
        }
        throw error;
      }
    }
  }

  const knex = createKnex({ client: EngineClient, connection: {}, pool: { min: 0, max: 1 } });

  return {
    async run(migration: MigrationFile, direction: Direction): Promise<void> {
      const loaded = await context.importMigration(migration.path);
      const action = exportedAction(loaded, direction);
      const config = loaded.config as { transaction?: boolean } | undefined;
      try {
        // Each call as the migration's own: a query it starts and never awaits is still known as its own.
        if (config?.transaction === false) await runAction(() => action(knex));
        else await knex.transaction(async (trx) => runAction(() => action(trx)));
      } catch (error) {
        throw await runError(error, migration.path, context);
      }
    },
    async close(): Promise<void> {
      await knex.destroy();
    },
  };
}

/**
 * A raw or schema builder the migration makes is sent when compiled: run, awaited, or embedded in another
 * query (knex compiles an embedded raw with its toSQL). One never compiled by the time up returns did nothing.
 */
function watchedUntilSent<T extends object>(builder: T, what: string): T {
  const sent = builtQuery(what, (builder as Record<symbol, NodeJS.CallSite[]>)[issuedAt] ?? []);
  const compile = (builder as { toSQL?: (...args: unknown[]) => unknown }).toSQL;
  if (typeof compile !== 'function') return builder;
  Object.defineProperty(builder, 'toSQL', {
    value(this: unknown, ...args: unknown[]) {
      sent();
      return compile.apply(this, args);
    },
    configurable: true,
    writable: true,
  });
  return builder;
}

function tagged<T extends object>(builder: T): T {
  Object.defineProperty(builder, issuedAt, { value: captureCallSites(), configurable: true });
  return builder;
}

async function runError(error: unknown, file: string, context: RunnerContext): Promise<MigrationRunError> {
  if (error instanceof MigrationRunError) return error;
  const err = (isObject(error) ? error : { message: String(error) }) as Error & {
    [issuedAt]?: NodeJS.CallSite[];
    [failedQuery]?: FailedQuery;
  };
  const failure = err[failedQuery];
  const loc = siteIn(err[issuedAt] ?? [], file) ?? frameIn(err.stack ?? '', file);
  return new MigrationRunError(
    firstParagraph(failure?.message ?? String(err.message)),
    loc,
    failure?.sql,
    await context.engine.isUnsupported(error),
  );
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
