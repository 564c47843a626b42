import { describe, expect, it } from 'vitest';
import { analyseSql } from './analyse.js';

async function operationsOf(sql: string) {
  const analysis = await analyseSql(sql, { file: 'm.sql', direction: 'up' });
  return analysis.operations.map(({ kind, target, needsGuard, guarded, fix }) => ({ kind, target, needsGuard, guarded, ...(fix ? { fix } : {}) }));
}

// Each unguarded statement, and the guard rollsafe tells the user to write.
const unguarded: { sql: string; kind: string; target: string; fix: string }[] = [
  { sql: 'CREATE TABLE users (id bigint PRIMARY KEY)', kind: 'CREATE TABLE', target: 'users', fix: 'CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY)' },
  { sql: 'CREATE UNLOGGED TABLE audit.events (id int)', kind: 'CREATE TABLE', target: 'audit.events', fix: 'CREATE UNLOGGED TABLE IF NOT EXISTS audit.events (id int)' },
  { sql: 'CREATE UNIQUE INDEX users_email_idx ON users (email)', kind: 'CREATE INDEX', target: 'users_email_idx', fix: 'CREATE UNIQUE INDEX IF NOT EXISTS users_email_idx ON users (email)' },
  { sql: 'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id)', kind: 'CREATE INDEX', target: 'orders_user_idx', fix: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id)' },
  // Unnamed: Postgres picks a fresh name each run, so the second run adds a duplicate index.
  { sql: 'CREATE INDEX ON users (email)', kind: 'CREATE INDEX', target: 'users', fix: 'CREATE INDEX IF NOT EXISTS users_email_idx ON users (email)' },
  { sql: 'CREATE SEQUENCE invoice_number_seq', kind: 'CREATE SEQUENCE', target: 'invoice_number_seq', fix: 'CREATE SEQUENCE IF NOT EXISTS invoice_number_seq' },
  { sql: 'CREATE SCHEMA billing', kind: 'CREATE SCHEMA', target: 'billing', fix: 'CREATE SCHEMA IF NOT EXISTS billing' },
  { sql: 'CREATE EXTENSION pgcrypto', kind: 'CREATE EXTENSION', target: 'pgcrypto', fix: 'CREATE EXTENSION IF NOT EXISTS pgcrypto' },
  { sql: 'CREATE MATERIALIZED VIEW order_totals AS SELECT 1', kind: 'CREATE MATERIALIZED VIEW', target: 'order_totals', fix: 'CREATE MATERIALIZED VIEW IF NOT EXISTS order_totals AS SELECT 1' },
  { sql: 'CREATE VIEW active_users AS SELECT 1', kind: 'CREATE VIEW', target: 'active_users', fix: 'CREATE OR REPLACE VIEW active_users AS SELECT 1' },
  { sql: "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1'", kind: 'CREATE FUNCTION', target: 'one', fix: "CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1'" },
  { sql: 'CREATE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()', kind: 'CREATE TRIGGER', target: 'users.touch', fix: 'CREATE OR REPLACE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()' },
  { sql: 'DROP TABLE users', kind: 'DROP TABLE', target: 'users', fix: 'DROP TABLE IF EXISTS users' },
  { sql: 'DROP INDEX CONCURRENTLY users_email_idx', kind: 'DROP INDEX', target: 'users_email_idx', fix: 'DROP INDEX CONCURRENTLY IF EXISTS users_email_idx' },
  { sql: 'DROP MATERIALIZED VIEW order_totals', kind: 'DROP MATERIALIZED VIEW', target: 'order_totals', fix: 'DROP MATERIALIZED VIEW IF EXISTS order_totals' },
  { sql: 'DROP TYPE mood', kind: 'DROP TYPE', target: 'mood', fix: 'DROP TYPE IF EXISTS mood' },
  { sql: 'DROP TRIGGER touch ON users', kind: 'DROP TRIGGER', target: 'users.touch', fix: 'DROP TRIGGER IF EXISTS touch ON users' },
  { sql: 'ALTER TABLE users ADD COLUMN status text', kind: 'ALTER TABLE ADD COLUMN', target: 'users.status', fix: 'ALTER TABLE users ADD COLUMN IF NOT EXISTS status text' },
  { sql: 'ALTER TABLE users ADD "Nick" text', kind: 'ALTER TABLE ADD COLUMN', target: 'users.Nick', fix: 'ALTER TABLE users ADD IF NOT EXISTS "Nick" text' },
  { sql: 'ALTER TABLE users DROP COLUMN status', kind: 'ALTER TABLE DROP COLUMN', target: 'users.status', fix: 'ALTER TABLE users DROP COLUMN IF EXISTS status' },
  { sql: 'ALTER TABLE users DROP CONSTRAINT users_email_key', kind: 'ALTER TABLE DROP CONSTRAINT', target: 'users.users_email_key', fix: 'ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key' },
  {
    sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)',
    kind: 'ALTER TABLE ADD CONSTRAINT',
    target: 'users.users_email_key',
    fix: 'ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key; ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)',
  },
  {
    sql: 'ALTER TABLE orders ADD CHECK (total >= 0)',
    kind: 'ALTER TABLE ADD CONSTRAINT',
    target: 'orders.orders_check',
    fix: 'ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_check; ALTER TABLE orders ADD CONSTRAINT orders_check CHECK (total >= 0)',
  },
  {
    sql: "CREATE TYPE mood AS ENUM ('happy', 'sad')",
    kind: 'CREATE TYPE',
    target: 'mood',
    fix: "DO $$ BEGIN CREATE TYPE mood AS ENUM ('happy', 'sad'); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
  },
  {
    sql: 'ALTER TABLE users RENAME COLUMN name TO full_name',
    kind: 'ALTER TABLE RENAME COLUMN',
    target: 'users.name',
    fix: "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name') THEN ALTER TABLE users RENAME COLUMN name TO full_name; END IF; END $$",
  },
  { sql: 'ALTER TABLE users RENAME TO accounts', kind: 'ALTER TABLE RENAME', target: 'users', fix: 'ALTER TABLE IF EXISTS users RENAME TO accounts' },
  {
    sql: 'ALTER TABLE users RENAME CONSTRAINT users_email_key TO users_email_unique',
    kind: 'ALTER TABLE RENAME CONSTRAINT',
    target: 'users.users_email_key',
    fix: 'DO $$ BEGIN ALTER TABLE users RENAME CONSTRAINT users_email_key TO users_email_unique; EXCEPTION WHEN undefined_object THEN NULL; END $$',
  },
  { sql: "ALTER TYPE mood ADD VALUE 'meh'", kind: 'ALTER TYPE ADD VALUE', target: 'mood.meh', fix: "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'" },
];

// Statements that are safe to run twice as written.
const guarded: { sql: string; kind: string }[] = [
  { sql: 'CREATE TABLE IF NOT EXISTS users (id bigint)', kind: 'CREATE TABLE' },
  { sql: 'CREATE INDEX IF NOT EXISTS users_email_idx ON users (email)', kind: 'CREATE INDEX' },
  { sql: 'CREATE SEQUENCE IF NOT EXISTS s', kind: 'CREATE SEQUENCE' },
  { sql: 'CREATE SCHEMA IF NOT EXISTS billing', kind: 'CREATE SCHEMA' },
  { sql: 'CREATE EXTENSION IF NOT EXISTS pgcrypto', kind: 'CREATE EXTENSION' },
  { sql: 'CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1', kind: 'CREATE MATERIALIZED VIEW' },
  { sql: 'CREATE OR REPLACE VIEW active_users AS SELECT 1', kind: 'CREATE VIEW' },
  { sql: "CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1'", kind: 'CREATE FUNCTION' },
  { sql: 'CREATE OR REPLACE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()', kind: 'CREATE TRIGGER' },
  { sql: 'DROP TABLE IF EXISTS users', kind: 'DROP TABLE' },
  { sql: 'DROP TYPE IF EXISTS mood', kind: 'DROP TYPE' },
  { sql: 'ALTER TABLE users ADD COLUMN IF NOT EXISTS status text', kind: 'ALTER TABLE ADD COLUMN' },
  { sql: 'ALTER TABLE users DROP COLUMN IF EXISTS status', kind: 'ALTER TABLE DROP COLUMN' },
  { sql: 'ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key', kind: 'ALTER TABLE DROP CONSTRAINT' },
  { sql: 'ALTER TABLE IF EXISTS users RENAME TO accounts', kind: 'ALTER TABLE RENAME' },
  { sql: "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'", kind: 'ALTER TYPE ADD VALUE' },
];

describe('analyseSql guards', () => {
  it.each(unguarded)('$sql needs a guard and says how', async ({ sql, kind, target, fix }) => {
    expect(await operationsOf(sql)).toEqual([{ kind, target, needsGuard: true, guarded: false, fix }]);
  });

  it.each(guarded)('$sql is guarded', async ({ sql, kind }) => {
    const [operation, ...rest] = await operationsOf(sql);
    expect(rest).toEqual([]);
    expect(operation).toMatchObject({ kind, needsGuard: true, guarded: true });
    expect(operation.fix).toBeUndefined();
  });

  it('counts ADD CONSTRAINT as guarded after the same constraint is dropped IF EXISTS, in one statement or two', async () => {
    const twoStatements = await operationsOf(
      'ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
    );
    expect(twoStatements[1]).toMatchObject({ kind: 'ALTER TABLE ADD CONSTRAINT', guarded: true });
    const oneStatement = await operationsOf('ALTER TABLE public.users DROP CONSTRAINT IF EXISTS users_email_key, ADD CONSTRAINT users_email_key UNIQUE (email)');
    expect(oneStatement[1]).toMatchObject({ kind: 'ALTER TABLE ADD CONSTRAINT', guarded: true });
  });

  it('does not count a drop of another constraint, another table, or a later drop as the guard', async () => {
    const other = await operationsOf('ALTER TABLE users DROP CONSTRAINT IF EXISTS users_name_key;\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);');
    expect(other[1]).toMatchObject({ guarded: false });
    const otherTable = await operationsOf('ALTER TABLE orgs DROP CONSTRAINT IF EXISTS email_key;\nALTER TABLE users ADD CONSTRAINT email_key UNIQUE (email);');
    expect(otherTable[1]).toMatchObject({ guarded: false });
    const later = await operationsOf('ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\nALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;');
    expect(later[0]).toMatchObject({ guarded: false });
  });

  it('counts CREATE TYPE as guarded after DROP TYPE IF EXISTS of the same type', async () => {
    const operations = await operationsOf("DROP TYPE IF EXISTS mood;\nCREATE TYPE mood AS ENUM ('happy');\nCREATE TYPE size AS ENUM ('s');");
    expect(operations.map((o) => [o.kind, o.target, o.guarded])).toEqual([
      ['DROP TYPE', 'mood', true],
      ['CREATE TYPE', 'mood', true],
      ['CREATE TYPE', 'size', false],
    ]);
  });

  it('treats a DO block as the guard idiom and data changes as no schema change', async () => {
    const sql = [
      "DO $$ BEGIN CREATE TYPE mood AS ENUM ('happy'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
      "INSERT INTO settings (key, value) VALUES ('theme', 'dark');",
      "UPDATE users SET status = 'active' WHERE status IS NULL;",
      'DELETE FROM sessions;',
      'SELECT 1;',
      "COMMENT ON TABLE users IS 'people';",
      'GRANT SELECT ON users TO reporting;',
    ].join('\n');
    expect(await operationsOf(sql)).toEqual([]);
  });

  it('finds ALTER COLUMN TYPE, SET NOT NULL and SET DEFAULT re-runnable', async () => {
    const operations = await operationsOf("ALTER TABLE users ALTER COLUMN email TYPE varchar(320), ALTER COLUMN email SET NOT NULL, ALTER COLUMN status SET DEFAULT 'active'");
    expect(operations).toEqual([
      { kind: 'ALTER TABLE ALTER COLUMN TYPE', target: 'users.email', needsGuard: false, guarded: false },
      { kind: 'ALTER TABLE ALTER COLUMN SET NOT NULL', target: 'users.email', needsGuard: false, guarded: false },
      { kind: 'ALTER TABLE ALTER COLUMN SET DEFAULT', target: 'users.status', needsGuard: false, guarded: false },
    ]);
  });

  it('does not take ALTER TABLE IF EXISTS as a guard for renaming a column (only the table may be missing)', async () => {
    expect(await operationsOf('ALTER TABLE IF EXISTS users RENAME COLUMN name TO full_name')).toMatchObject([{ kind: 'ALTER TABLE RENAME COLUMN', guarded: false }]);
  });

  it('gives one operation per ALTER TABLE subcommand', async () => {
    const operations = await operationsOf('ALTER TABLE users ADD COLUMN IF NOT EXISTS a int, ADD COLUMN b int, DROP COLUMN c');
    expect(operations.map((o) => [o.kind, o.target, o.guarded])).toEqual([
      ['ALTER TABLE ADD COLUMN', 'users.a', true],
      ['ALTER TABLE ADD COLUMN', 'users.b', false],
      ['ALTER TABLE DROP COLUMN', 'users.c', false],
    ]);
  });
});

describe('analyseSql placement, transactions and errors', () => {
  it('places operations at their statement, shifted by baseLine/baseColumn for SQL inside code', async () => {
    const sql = 'CREATE TABLE a (id int); CREATE TABLE b (id int);\n  DROP TABLE c;';
    const analysis = await analyseSql(sql, { file: 'm.ts', direction: 'down', baseLine: 10, baseColumn: 15 });
    expect(analysis.operations.map((o) => [o.direction, o.loc])).toEqual([
      ['down', { file: 'm.ts', line: 10, column: 15 }],
      ['down', { file: 'm.ts', line: 10, column: 40 }],
      ['down', { file: 'm.ts', line: 11, column: 3 }],
    ]);
    expect(analysis.statements.map((s) => [s.line, s.column, s.endLine])).toEqual([
      [10, 15, 10],
      [10, 40, 10],
      [11, 3, 11],
    ]);
  });

  it.each([
    'CREATE INDEX CONCURRENTLY i ON t (x)',
    'DROP INDEX CONCURRENTLY IF EXISTS i',
    'REINDEX INDEX CONCURRENTLY i',
    'VACUUM users',
    'CREATE DATABASE reports',
    "ALTER SYSTEM SET work_mem = '64MB'",
    'ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY',
  ])('%s cannot run in a transaction block', async (sql) => {
    expect((await analyseSql(`CREATE TABLE IF NOT EXISTS t (x int);\n${sql};`, { file: 'm.sql', direction: 'up' })).transactional).toBe(false);
  });

  it.each(['CREATE INDEX i ON t (x)', 'ANALYZE users', "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'x'"])('%s can run in a transaction block', async (sql) => {
    expect((await analyseSql(sql, { file: 'm.sql', direction: 'up' })).transactional).toBe(true);
  });

  it('reports a statement that does not parse at its line and column in the file', async () => {
    const analysis = await analyseSql('CREATE TABLE IF NOT EXISTS a (id int);\nALTER TABLE a ADD COLUMN b text DEFALT 1;', {
      file: 'm.ts',
      direction: 'up',
      baseLine: 5,
    });
    expect(analysis.parseError).toEqual({ message: 'syntax error at or near "DEFALT"', loc: { file: 'm.ts', line: 6, column: 33 } });
    expect(analysis.operations).toEqual([]);
  });
});
