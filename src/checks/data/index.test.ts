import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../engines/index.js';
import type { SchemaSnapshot } from '../../schema/snapshot.js';
import type { Engine } from '../../types.js';
import { stoppingPoints } from '../resume.js';
import { compareContents, readTables } from './digest.js';
import { keepsRows, statementsOf, tablesAtRisk } from './index.js';
import { fillTables, parentsFirst, rowsPerTable } from './rows.js';

const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

async function engineWith(sql: string): Promise<{ engine: Engine; schema: SchemaSnapshot }> {
  const engine = await createEngine('pg-mem');
  engines.push(engine);
  await engine.exec(sql);
  return { engine, schema: await engine.snapshot() };
}

const shop = `
CREATE TABLE customers (id serial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, note text);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  total numeric(10, 2) NOT NULL CHECK (total >= 0),
  placed_at timestamptz NOT NULL DEFAULT now()
);
`;

describe('generated rows', () => {
  it('fill parents before the tables that reference them, satisfying NOT NULL, unique and the foreign key', async () => {
    const { engine, schema } = await engineWith(shop);
    expect(parentsFirst(schema)).toEqual(['customers', 'orders']);
    const outcome = await fillTables(engine, schema);
    expect(Object.fromEntries(outcome.filled)).toEqual({ customers: rowsPerTable, orders: rowsPerTable });
    const orphans = await engine.query('SELECT count(*)::int AS n FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL');
    expect(orphans.rows[0].n).toBe(0);
  });

  it('skip a table no valid row can be made for, with the reason, instead of failing', async () => {
    const { engine, schema } = await engineWith('CREATE TABLE shapes (id serial PRIMARY KEY, outline point NOT NULL);');
    const outcome = await fillTables(engine, schema);
    expect(outcome.filled.size).toBe(0);
    expect(outcome.skipped.get('shapes')).toMatch(/outline/);
  });
});

describe('comparing table contents', () => {
  it('names the column and the row whose value changed, by primary key', async () => {
    const { engine, schema } = await engineWith(shop);
    await fillTables(engine, schema);
    const before = await readTables(engine, schema, ['customers', 'orders']);
    expect(compareContents(before, await readTables(engine, schema, ['customers', 'orders']))).toEqual([]);
    await engine.exec('UPDATE orders SET total = 7');
    const losses = compareContents(before, await readTables(engine, schema, ['customers', 'orders']));
    expect(losses).toEqual([{ table: 'orders', column: 'total', example: expect.stringMatching(/^id=\d+: \S+ -> '?7(\.00)?'?$/) }]);
  });

  it('says when rows are gone', async () => {
    const { engine, schema } = await engineWith(shop);
    await fillTables(engine, schema);
    const before = await readTables(engine, schema, ['customers']);
    const first = (await engine.query('SELECT min(id) AS id FROM customers')).rows[0].id;
    await engine.exec(`DELETE FROM orders; DELETE FROM customers WHERE id = ${Number(first)}`);
    const losses = compareContents(before, await readTables(engine, schema, ['customers']));
    expect(losses).toEqual([{ table: 'customers', example: expect.stringMatching(/the row is gone \(2 of 3 rows left\)/) }]);
  });
});

describe('statements that cannot lose a row (the data phase is skipped for them)', () => {
  const before = { tables: { users: { columns: { id: {}, email: {} } } } } as unknown as SchemaSnapshot;
  it.each([
    'create table "orders" ("id" serial primary key)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email)',
    'alter table "users" add column "nickname" varchar(40)',
    'alter table "users" add constraint "users_email_unique" unique ("email")',
    'alter table "users" drop column "nickname"',
    'drop table if exists "orders"',
    "select * from information_schema.tables where table_name = 'users'",
    'BEGIN',
  ])('keeps rows: %s', (sql) => expect(keepsRows(sql, before)).toBe(true));
  it.each([
    'alter table "users" drop column "email"',
    'ALTER TABLE users ALTER COLUMN email TYPE varchar(20)',
    'drop table "users"',
    'DROP TYPE mood CASCADE',
    "UPDATE users SET email = lower(email)",
    'DELETE FROM users',
    'TRUNCATE users',
    'alter table "users" rename column "email" to "mail"',
  ])('may lose rows: %s', (sql) => expect(keepsRows(sql, before)).toBe(false));
});

describe('a script sent in one query', () => {
  it('is judged statement by statement, so a drop after a create is not missed', () => {
    const script = "CREATE INDEX users_email_idx ON users (email);\nALTER TABLE users DROP COLUMN email;\nCOMMENT ON TABLE users IS 'a; b'";
    expect(statementsOf(script)).toEqual(['CREATE INDEX users_email_idx ON users (email)', 'ALTER TABLE users DROP COLUMN email', "COMMENT ON TABLE users IS 'a; b'"]);
  });
});

describe('the tables a risky statement can reach', () => {
  const fk = (references: string) => ({ columns: ['x'], references, referencedColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' });
  const before = {
    tables: {
      users: { columns: {}, foreignKeys: {} },
      posts: { columns: {}, foreignKeys: { posts_user: fk('users') } },
      comments: { columns: {}, foreignKeys: { comments_post: fk('posts') } },
      tags: { columns: {}, foreignKeys: {} },
    },
  } as unknown as SchemaSnapshot;

  it('are the tables named and, through foreign keys, every table below them', () => {
    expect(tablesAtRisk(['ALTER TABLE "public"."posts" ALTER COLUMN title TYPE varchar(20)'], before)).toEqual(new Set(['posts', 'comments']));
    expect(tablesAtRisk(['UPDATE tags SET name = lower(name)', 'drop table users, tags'], before)).toEqual(new Set(['tags', 'users', 'posts', 'comments']));
  });

  it('are every table when a statement names none rollsafe can read', () => {
    expect(tablesAtRisk(["DO $$ BEGIN PERFORM purge_old_rows(); END $$"], before)).toBeUndefined();
  });
});

describe('where a non-transactional up can stop', () => {
  it('after each write outside transactions, and after a COMMIT, never after a read or inside a transaction', () => {
    const statements = [
      "select * from information_schema.tables where table_name = 'payments'",
      'create table "payments" ("id" serial primary key)',
      'BEGIN',
      'insert into "payments" default values',
      'COMMIT',
      'CREATE INDEX CONCURRENTLY payments_id_idx ON payments (id)',
    ].map((sql) => ({ sql }));
    expect(stoppingPoints(statements)).toEqual([2, 5, 6]);
  });
});
