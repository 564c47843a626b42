// Runs Sequelize migrations on an engine with the user's own sequelize, as `sequelize db:migrate`
// (umzug 2, src/core/migrator.js) calls them: `up(queryInterface, Sequelize)`, no transaction around
// the migration. umzug 3 migrations written as `up({ context })` get the query interface as context.
import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import { callerIn, firstParagraph, frameIn } from '../../load/index.js';
import {
  MigrationRunError,
  type Direction,
  type MigrationFile,
  type MigrationRunner,
  type SourceLocation,
} from '../../types.js';
import type { RunnerContext } from '../adapter.js';
import { runAction } from '../action.js';
import { exportedAction } from '../run-errors.js';

// The migration line of the queryInterface / sequelize call that failed, set on the way out.
const calledAt = Symbol('rollsafe.calledAt');

type Action = (...args: unknown[]) => unknown;

interface SequelizeInstance {
  getQueryInterface(): Record<string | symbol, unknown>;
  close(): Promise<void>;
  connectionManager: { _refreshDynamicOIDs(connection?: unknown): Promise<void> };
  [member: string | symbol]: unknown;
}

type SequelizeClass = (new (options: unknown) => SequelizeInstance) & { Sequelize?: unknown };

// Sequelize reads its type parsers from the driver; the engines hand back JS values already.
const passThroughTypes = {
  getTypeParser: () => (value: unknown) => value,
  arrayParser: { create: (value: unknown) => ({ parse: () => value }) },
};

export async function createSequelizeRunner(context: RunnerContext): Promise<MigrationRunner> {
  const sequelizeModule = await context.requireFromProject<SequelizeClass & { default?: SequelizeClass }>('sequelize');
  const Sequelize: SequelizeClass = (sequelizeModule.Sequelize as SequelizeClass | undefined) ?? sequelizeModule.default ?? sequelizeModule;
  const driver = context.engine.pgDriver();
  const BaseClient = driver.Client as new (config?: unknown) => object;
  // Sequelize listens for the server's parameter messages on `client.connection` while it connects,
  // and sends `SET standard_conforming_strings=on` unless the server said it is on (every engine's is).
  class Client extends BaseClient {
    readonly connection = new EventEmitter();
    readonly standard_conforming_strings = 'on';
  }

  const sequelize = new Sequelize({
    dialect: 'postgres',
    dialectModule: { Client, Pool: driver.Pool, types: passThroughTypes },
    logging: false,
    // Session settings Sequelize sets on connect (notice level, a UTC time zone) change no DDL and
    // pg-mem cannot parse `SET TIME ZONE INTERVAL …`: the engines' defaults (UTC) stand.
    keepDefaultTimezone: true,
    dialectOptions: { clientMinMessages: 'ignore' },
    // Given, so Sequelize asks for no `SHOW SERVER_VERSION` (it only gates pre-9.x SQL forms).
    databaseVersion: await serverVersion(context),
    // Sequelize's default pool: a migration's reads outside its own transaction take another connection.
    pool: { max: 5, min: 0 },
  });
  // On connect Sequelize reads type OIDs from pg_type joined to pg_range; pg-mem has no pg_range.
  // The answer only picks result parsers, which the engines make unnecessary: a failure is harmless.
  const manager = sequelize.connectionManager;
  const refresh = manager._refreshDynamicOIDs.bind(manager);
  manager._refreshDynamicOIDs = async (connection) => {
    await refresh(connection).catch(() => undefined);
  };
  const queryInterface = sequelize.getQueryInterface();
  answerDescribeTableFromSnapshot(queryInterface, context);
  // `pg` leaves name[] columns (describeTable's enum values, showIndex's columns) as '{a,b}' text
  // for Sequelize to split; the engines hand back arrays already.
  const generator = queryInterface.queryGenerator as { fromArray(text: unknown): unknown };
  const fromArray = generator.fromArray.bind(generator);
  generator.fromArray = (text) => (Array.isArray(text) ? text : fromArray(text));

  return {
    async run(migration: MigrationFile, direction: Direction): Promise<void> {
      const loaded = await context.importMigration(migration.path);
      const action = exportedAction(loaded, direction);
      const file = migration.path;
      const traced = tracedQueryInterface(queryInterface, sequelize, file);
      const args = usesUmzugContext(action as Action)
        ? [{ name: basename(file), path: file, context: traced }]
        : [traced, Sequelize];
      try {
        await runAction(() => (action as Action).apply(loaded, args));
      } catch (error) {
        throw await runError(error, file, context);
      }
    },
    async close(): Promise<void> {
      await sequelize.close();
    },
  };
}

// The names information_schema gives the types the snapshot normalises (what describeTable reports).
const informationSchemaTypes: Record<string, string> = {
  integer: 'INTEGER',
  bigint: 'BIGINT',
  smallint: 'SMALLINT',
  boolean: 'BOOLEAN',
  text: 'TEXT',
  timestamptz: 'TIMESTAMP WITH TIME ZONE',
  timestamp: 'TIMESTAMP WITHOUT TIME ZONE',
  date: 'DATE',
  uuid: 'UUID',
  json: 'JSON',
  jsonb: 'JSONB',
  'double precision': 'DOUBLE PRECISION',
  real: 'REAL',
};

function describedType(type: string, enums: Record<string, unknown>): string {
  if (type in enums) return 'USER-DEFINED';
  const sized = /^(varchar|char|numeric)\((.+)\)$/.exec(type);
  if (sized) return `${{ varchar: 'CHARACTER VARYING', char: 'CHARACTER', numeric: 'NUMERIC' }[sized[1]]}(${sized[2]})`;
  return informationSchemaTypes[type] ?? type.toUpperCase();
}

/**
 * describeTable (behind every `columns.x` guard, and renameColumn) is one information_schema query
 * pg-mem cannot run. Where the engine cannot, the answer comes from its schema snapshot: the same
 * columns, nullability, defaults and primary key, so the guard takes the path it takes on Postgres.
 */
function answerDescribeTableFromSnapshot(queryInterface: Record<string | symbol, unknown>, context: RunnerContext): void {
  const describe = (queryInterface.describeTable as (table: unknown, options?: unknown) => Promise<unknown>).bind(queryInterface);
  queryInterface.describeTable = async (table: unknown, options?: unknown) => {
    try {
      return await describe(table, options);
    } catch (error) {
      const sql = (error as { sql?: unknown }).sql;
      const cannot = context.engine.name === 'pg-mem' && isCatalogRead(typeof sql === 'string' ? sql : undefined);
      const schema = (options as { schema?: string } | undefined)?.schema;
      if (!cannot || typeof table !== 'string' || (schema && schema !== 'public')) throw error;
      const snapshot = await context.engine.snapshot();
      const described = snapshot.tables[table];
      // Sequelize's own words when the table is missing.
      if (!described) throw new Error(`No description found for "${table}" table. Check the table name and schema; remember, they _are_ case sensitive.`);
      const primaryKey = new Set(described.primaryKey?.columns ?? []);
      return Object.fromEntries(
        Object.entries(described.columns).map(([name, column]) => [
          name,
          {
            type: describedType(column.type, snapshot.enums),
            allowNull: column.nullable && !primaryKey.has(name),
            defaultValue: column.default ?? null,
            comment: null,
            special: snapshot.enums[column.type] ?? [],
            primaryKey: primaryKey.has(name),
          },
        ]),
      );
    }
  };
}

async function serverVersion(context: RunnerContext): Promise<string> {
  try {
    const { rows } = await context.engine.query('SHOW server_version');
    const match = /(\d+)(?:\.(\d+))?/.exec(String(Object.values(rows[0] ?? {})[0] ?? ''));
    if (match) return `${match[1]}.${match[2] ?? 0}.0`;
  } catch {
    // Engines without SHOW: any modern version gives Sequelize's Postgres SQL.
  }
  return '15.0.0';
}

/**
 * umzug 3 calls `up({ name, path, context })`; sequelize-cli calls `up(queryInterface, Sequelize)`.
 * The first parameter tells which: destructured (`{ context }`) or read as `params.context`.
 */
export function usesUmzugContext(action: (...args: never[]) => unknown): boolean {
  const source = Function.prototype.toString.call(action);
  const parameters = /^[^(=]*\(\s*([^)]*)\)|^(?:async\s+)?([\w$]+)\s*=>/.exec(source);
  if (!parameters) return false;
  const first = (parameters[1] ?? parameters[2] ?? '').trim();
  if (first.startsWith('{')) return /\bcontext\b/.test(first);
  const name = /^[\w$]+/.exec(first)?.[0];
  return !!name && new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\s*\\.\\s*context\\b`).test(source);
}

/**
 * The query interface as the migration sees it: every method call remembers the migration line it
 * was made from, and `queryInterface.sequelize` is traced the same way (`sequelize.query(sql)`).
 * As umzug's context it also answers for the Sequelize instance (`context.query`, `getQueryInterface`),
 * which some projects hand their migrations instead.
 */
function tracedQueryInterface(
  queryInterface: Record<string | symbol, unknown>,
  sequelize: SequelizeInstance,
  file: string,
): Record<string | symbol, unknown> {
  const tracedSequelize: Record<string | symbol, unknown> = new Proxy(sequelize, {
    get(target, property) {
      if (property === 'getQueryInterface') return () => traced;
      return traceMember(target, property, file);
    },
  });
  const traced: Record<string | symbol, unknown> = new Proxy(queryInterface, {
    get(target, property) {
      if (property === 'sequelize') return tracedSequelize;
      if (!(property in target) && property in sequelize) return tracedSequelize[property];
      return traceMember(target, property, file);
    },
  });
  return traced;
}

function traceMember(target: Record<string | symbol, unknown>, property: string | symbol, file: string): unknown {
  const value = target[property];
  if (typeof value !== 'function' || typeof property === 'symbol' || property.startsWith('_') || property === 'constructor') {
    return value;
  }
  return function traced(this: unknown, ...args: unknown[]): unknown {
    const loc = callerIn(file);
    const result = (value as Action).apply(target, args);
    if (!loc || !isPromise(result)) return result;
    return result.catch((error: unknown) => {
      if (isObject(error) && !(calledAt in error)) Object.defineProperty(error, calledAt, { value: loc });
      throw error;
    });
  };
}

async function runError(error: unknown, file: string, context: RunnerContext): Promise<MigrationRunError> {
  if (error instanceof MigrationRunError) return error;
  const err = (isObject(error) ? error : { message: String(error) }) as Error & {
    [calledAt]?: SourceLocation;
    original?: unknown;
    sql?: string;
  };
  // Sequelize wraps the driver's error (DatabaseError.original): the engine judges its own error.
  const engineError = err.original ?? error;
  const message = isObject(engineError) && 'message' in engineError ? String(engineError.message) : String(err.message);
  const loc = err[calledAt] ?? frameIn(err.stack ?? '', file);
  const sql = typeof err.sql === 'string' ? err.sql : undefined;
  const unsupported = (await context.engine.isUnsupported(engineError)) || (context.engine.name === 'pg-mem' && isCatalogRead(sql));
  return new MigrationRunError(firstParagraph(message), loc, sql, unsupported);
}

/**
 * Sequelize reads the catalog itself (enums before CREATE TABLE, columns before renameColumn, indexes,
 * foreign keys); real Postgres always answers those, pg-mem often cannot: PGlite decides.
 */
export function isCatalogRead(sql: string | undefined): boolean {
  return !!sql && /^\s*(?:with\b[\s\S]*?\)\s*)?select\b/i.test(sql) && /\b(?:pg_catalog|pg_[a-z_]+|information_schema)\b/i.test(sql);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return isObject(value) && typeof (value as { then?: unknown }).then === 'function' && typeof (value as { catch?: unknown }).catch === 'function';
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
