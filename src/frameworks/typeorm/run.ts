// Runs TypeORM migrations on an engine with the user's own TypeORM, as MigrationExecutor does: a
// DataSource on the engine's pg driver, one QueryRunner per migration, up in a transaction unless
// the class sets `transaction = false`. The bookkeeping table is left out: it is not the migration's.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { captureCallSites, firstParagraph, frameIn, siteIn } from '../../load/index.js';
import { markOrigin, runAction, withQuerySite } from '../action.js';
import { MigrationRunError, type Direction, type MigrationFile, type MigrationRunner } from '../../types.js';
import type { RunnerContext } from '../adapter.js';
import { installedPackage } from '../versions.js';

// The call stack of the migration's `queryRunner.*` call that a failure came out of.
const issuedAt = Symbol('rollsafe.issuedAt');

interface QueryRunner {
  manager: object;
  isTransactionActive: boolean;
  connect(): Promise<unknown>;
  beforeMigration(): Promise<void>;
  afterMigration(): Promise<void>;
  startTransaction(): Promise<void>;
  commitTransaction(): Promise<void>;
  rollbackTransaction(): Promise<void>;
  release(): Promise<void>;
}

interface DataSource {
  isInitialized: boolean;
  initialize(): Promise<unknown>;
  destroy(): Promise<void>;
  createQueryRunner(): QueryRunner;
}

type DataSourceClass = new (options: Record<string, unknown>) => DataSource;

/** TypeORM 0.2's Connection: the same QueryRunner, opened with connect() and closed with close(). */
interface Connection {
  isConnected: boolean;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  createQueryRunner(): QueryRunner;
}

type ConnectionClass = new (options: Record<string, unknown>) => Connection;

/** A DataSource (0.3 and later), or 0.2's Connection seen as one. */
function openDataSource(typeorm: { DataSource?: DataSourceClass; Connection?: ConnectionClass }, options: Record<string, unknown>): DataSource {
  if (typeorm.DataSource) return new typeorm.DataSource(options);
  if (!typeorm.Connection) throw new MigrationRunError('this typeorm exports neither DataSource (0.3 and later) nor Connection (0.2)');
  const connection = new typeorm.Connection({ name: 'rollsafe', ...options });
  return {
    get isInitialized() {
      return connection.isConnected;
    },
    initialize: () => connection.connect(),
    destroy: () => connection.close(),
    createQueryRunner: () => connection.createQueryRunner(),
  };
}

interface MigrationInstance {
  name?: string;
  transaction?: boolean;
  up?: (queryRunner: unknown) => Promise<unknown>;
  down?: (queryRunner: unknown) => Promise<unknown>;
}

type MigrationClass = (new () => MigrationInstance) & { name: string };

export async function createTypeormRunner(context: RunnerContext): Promise<MigrationRunner> {
  type TypeormModule = { DataSource?: DataSourceClass; Connection?: ConnectionClass };
  const installed = installedPackage('typeorm', context.set.projectDir);
  // 0.2 tells a Table from a table name with instanceof: the runner must use the very copy the
  // migrations' loader gives them, loaded through it before anything requires typeorm natively.
  const typeorm = /^0\.[012]\./.test(installed?.version ?? '')
    ? ((await context.importMigration(createRequire(join(context.set.projectDir, 'package.json')).resolve('typeorm'))) as TypeormModule)
    : await context.requireFromProject<TypeormModule>('typeorm');
  // PostgresConnectionOptions.driver: the `pg` module TypeORM would otherwise require itself.
  const dataSource = openDataSource(typeorm, { type: 'postgres', driver: context.engine.pgDriver(), logging: false, migrations: [] });
  let initializing: Promise<unknown> | undefined;

  async function ready(): Promise<void> {
    try {
      await (initializing ??= dataSource.initialize());
    } catch (error) {
      // TypeORM asks the server for its version, database and schema on connect: an engine that cannot answer is the engine's limit.
      initializing = undefined;
      const message = `TypeORM could not connect to ${context.engine.name}: ${firstParagraph(messageOf(error))}`;
      throw new MigrationRunError(message, undefined, undefined, context.engine.name === 'pg-mem' || (await unsupported(error, context)));
    }
  }

  return {
    async run(migration: MigrationFile, direction: Direction): Promise<void> {
      const instance = new (migrationClassOf(await context.importMigration(migration.path), migration.id))();
      const action = instance[direction];
      if (typeof action !== 'function') throw new MigrationRunError(`the migration class has no ${direction} method`);
      await ready();
      // up: MigrationExecutor's per-migration transaction unless `transaction = false`. TypeORM reverts in a
      // transaction unless migrationsTransactionMode is 'none'; a class opting out is taken to run where that holds.
      const transactional = instance.transaction !== false;
      const queryRunner = dataSource.createQueryRunner();
      try {
        if (transactional) {
          await queryRunner.beforeMigration();
          await queryRunner.startTransaction();
        }
        await runAction(() => action.call(instance, traced(queryRunner, refuseOutsideTransactionOnPgMem(context, queryRunner))));
        if (transactional) {
          await queryRunner.commitTransaction();
          await queryRunner.afterMigration();
        }
      } catch (error) {
        if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction().catch(() => undefined);
        throw await runError(error, migration.path, context);
      } finally {
        await queryRunner.release().catch(() => undefined);
      }
    },
    async close(): Promise<void> {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/**
 * The migration class a file exports, as TypeORM's importClassesFromDirectories takes every
 * exported function: the one whose name (`name` property or class name) is the id, else the first.
 */
function migrationClassOf(loaded: Record<string, unknown>, id: string): MigrationClass {
  const classes = Object.values(loaded).filter(
    (value): value is MigrationClass => typeof value === 'function' && typeof (value as { prototype?: { up?: unknown } }).prototype?.up === 'function',
  );
  if (classes.length === 0) throw new MigrationRunError('the file exports no migration class (a class with up and down methods)');
  return classes.find((candidate) => candidate.name === id || new candidate().name === id) ?? classes[0];
}

/** The QueryRunner the migration gets: each call it makes remembers its line, for the failure it may raise. */
function traced<T extends object>(target: T, beforeQuery?: (sql: string) => Promise<void>): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (property === 'manager' && typeof value === 'object' && value !== null) return traced(value, beforeQuery);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const sites = captureCallSites();
        const tag = (error: unknown) => {
          if (typeof error === 'object' && error !== null && !(issuedAt in error)) {
            Object.defineProperty(error, issuedAt, { value: sites });
          }
          return markOrigin(error);
        };
        return withQuerySite({ sites }, () => callTraced(object, value as (...a: unknown[]) => unknown, property, args, tag, beforeQuery));
      };
    },
  });
}

/** One call the migration makes, with its failure tagged with where it was made. */
function callTraced(
  object: object,
  value: (...a: unknown[]) => unknown,
  property: string,
  args: unknown[],
  tag: (error: unknown) => unknown,
  beforeQuery?: (sql: string) => Promise<void>,
): unknown {
  if (property === 'query' && beforeQuery && typeof args[0] === 'string') {
    const sql = args[0];
    return beforeQuery(sql)
      .then(() => value.apply(object, args))
      .catch((error: unknown) => Promise.reject(tag(error)));
  }
  let result: unknown;
  try {
    // TypeORM's own inner calls go to the real object: only the migration's calls are traced.
    result = value.apply(object, args);
  } catch (error) {
    throw tag(error);
  }
  if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(tag(error)));
  return result;
}

// Statements that may be among those Postgres refuses in a transaction block; the parser decides.
const maybeOutsideTransaction = /\b(?:concurrently|vacuum|cluster|reindex|database|tablespace|subscription|system)\b/i;

/**
 * pg-mem runs CREATE INDEX CONCURRENTLY and the like inside a transaction, where Postgres refuses
 * them: such a statement in a transactional migration goes to PGlite for the verdict.
 */
function refuseOutsideTransactionOnPgMem(context: RunnerContext, queryRunner: QueryRunner): ((sql: string) => Promise<void>) | undefined {
  if (context.engine.name !== 'pg-mem') return undefined;
  return async (sql) => {
    if (!queryRunner.isTransactionActive || !maybeOutsideTransaction.test(sql)) return;
    const { analyseSql } = await import('../../sql/index.js');
    const analysis = await analyseSql(sql, { file: '', direction: 'up' }).catch(() => undefined);
    if (analysis && !analysis.transactional) {
      throw new MigrationRunError('pg-mem does not refuse this statement inside a transaction block as Postgres does', undefined, sql, true);
    }
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// TypeORM's DataSource creates uuid-ossp on connect when the project's entities generate uuids
// (PostgresDriver.afterConnect); rollsafe loads no entities, so an engine without it is the limit.
const uuidOsspMissing = /function uuid_generate_v\w*\(.*\) does not exist/;

/** The engine's verdict on the error or, for TypeORM's QueryFailedError, on the driver's error inside it. */
async function unsupported(error: unknown, context: RunnerContext): Promise<boolean> {
  const driverError = (error as { driverError?: unknown } | undefined)?.driverError;
  if (uuidOsspMissing.test(messageOf(error))) return true;
  return (await context.engine.isUnsupported(error)) || (driverError !== undefined && (await context.engine.isUnsupported(driverError)));
}

async function runError(error: unknown, file: string, context: RunnerContext): Promise<MigrationRunError> {
  if (error instanceof MigrationRunError) {
    const sites = (error as { [issuedAt]?: NodeJS.CallSite[] })[issuedAt];
    return error.loc || !sites ? error : new MigrationRunError(error.message, siteIn(sites, file), error.sql, error.unsupported);
  }
  const err = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as Error & {
    [issuedAt]?: NodeJS.CallSite[];
    query?: string;
  };
  const loc = siteIn(err[issuedAt] ?? [], file) ?? frameIn(err.stack ?? '', file);
  return new MigrationRunError(
    firstParagraph(messageOf(error)),
    loc,
    typeof err.query === 'string' ? err.query : undefined,
    await unsupported(error, context),
  );
}
