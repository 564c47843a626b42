import knexFactory from 'knex';
import { beforeEach, describe, expect, it } from 'vitest';
import { diffSnapshots } from '../schema/diff.js';
import type { Engine } from '../types.js';
import { createPgMemEngine, withRowNullTestsSpelledOut } from './pg-mem.js';

const createTables = `
  create table users (id serial primary key, email varchar(20) not null, age int check (age > 0), unique (email, age));
  create table orders (id int primary key, user_id int references users(id) on delete cascade, check (id > 0 and user_id > 0));
  create index on orders (user_id);`;

let engine: Engine;
beforeEach(async () => {
  engine = await createPgMemEngine();
});

describe('pg-mem engine workarounds', () => {
  it('re-creates a dropped table with its primary key (pg-mem #358 left its indexes behind)', async () => {
    await engine.exec(createTables);
    const first = await engine.snapshot();
    await engine.exec('drop table orders; drop table users;');
    await engine.exec(createTables);
    expect(diffSnapshots(first, await engine.snapshot())).toEqual([]);
  });

  it('names constraints and indexes as Postgres does, so a down can drop them by those names', async () => {
    await engine.exec(createTables);
    const snapshot = await engine.snapshot();
    expect(snapshot.tables.users.primaryKey?.name).toBe('users_pkey');
    expect(Object.keys(snapshot.tables.users.uniques)).toEqual(['users_email_age_key']);
    expect(Object.keys(snapshot.tables.users.checks)).toEqual(['users_age_check']);
    expect(Object.keys(snapshot.tables.orders.foreignKeys)).toEqual(['orders_user_id_fkey']);
    expect(Object.keys(snapshot.tables.orders.checks)).toEqual(['orders_check']);
    expect(Object.keys(snapshot.indexes)).toEqual(['orders_user_id_idx']);
    await engine.exec(`
      alter table orders drop constraint orders_user_id_fkey;
      alter table orders drop constraint orders_check;
      alter table users drop constraint users_age_check;
      alter table users drop constraint users_email_age_key;
      drop index orders_user_id_idx;`);
    const after = await engine.snapshot();
    expect(after.tables.orders.foreignKeys).toEqual({});
    expect(after.tables.users.uniques).toEqual({});
    expect(after.indexes).toEqual({});
  });

  it('skips a re-run of CREATE … IF NOT EXISTS on an existing object, as Postgres does (pg-mem calls it "not supported")', async () => {
    const create = `create table if not exists orgs (id bigserial primary key, name text not null, created_at timestamptz not null default now());
      create unique index if not exists orgs_name_key on orgs (name)`;
    await engine.exec(create);
    const before = await engine.snapshot();
    await engine.exec(create);
    expect(await engine.snapshot()).toEqual(before);
    // The statements after a skipped one still run.
    await engine.exec(`${create}; create index if not exists orgs_created_idx on orgs (created_at)`);
    expect(Object.keys((await engine.snapshot()).indexes)).toContain('orgs_created_idx');
  });

  it('runs REFERENCES without a column list (node-pg-migrate `references: "orgs"`), which its parser refuses', async () => {
    await engine.exec('create table orgs (id serial primary key)');
    await engine.exec('CREATE TABLE "users" ("id" serial PRIMARY KEY, "org_id" integer REFERENCES "orgs")');
    const { users } = (await engine.snapshot()).tables;
    expect(Object.values(users.foreignKeys)).toEqual([expect.objectContaining({ columns: ['org_id'], references: 'orgs', referencedColumns: ['id'] })]);
  });

  it('runs bit varying columns (node-pg-migrate `type: "bit varying"`) and refuses a value that is not a bit string', async () => {
    await engine.exec("create table blocks (id int primary key, signer_bits bit varying, votes varbit); insert into blocks values (1, '1011', '01');");
    expect((await engine.query('select signer_bits, votes from blocks')).rows).toEqual([{ signer_bits: '1011', votes: '01' }]);
    expect(Object.keys((await engine.snapshot()).tables.blocks.columns)).toEqual(['id', 'signer_bits', 'votes']);
    await expect(engine.exec("insert into blocks values (2, '102', '1')")).rejects.toThrow();
  });

  it('runs every statement of a script whole (its parser reports INSERT … VALUES and UPDATE cut short)', async () => {
    await engine.exec("create table plans (id int primary key, name text); insert into plans values (1, 'free'); update plans set name = 'basic' where id in (1); insert into plans (id, name) values (2, 'pro');");
    expect((await engine.query('select id, name from plans order by id')).rows).toEqual([{ id: 1, name: 'basic' }, { id: 2, name: 'pro' }]);
  });

  it('runs a CHECK on a row of columns being NULL, which pg-mem reads as a cast, and enforces it as Postgres does', async () => {
    await engine.exec('create table payouts (id int primary key, kind int, iban bytea, wallet bytea)');
    await engine.exec('ALTER TABLE payouts ADD CONSTRAINT payouts_target CHECK (kind != 2 OR (NOT (iban, wallet) IS NULL))');
    await engine.exec("insert into payouts values (1, 2, 'x', null), (2, 1, null, null)");
    await expect(engine.exec('insert into payouts values (3, 2, null, null)')).rejects.toThrow();
    expect(Object.keys((await engine.snapshot()).tables.payouts.checks)).toEqual(['payouts_target']);
  });

  it('runs length(bytea) in a CHECK (hash columns), which pg-mem lacks, counting bytes', async () => {
    await engine.exec("create table blobs (hash bytea check (length(hash) = 2)); insert into blobs values ('\\x0102'::bytea)");
    await expect(engine.exec("insert into blobs values ('\\x010203'::bytea)")).rejects.toThrow();
  });

  it('spells out row NULL tests column by column and leaves function calls alone', () => {
    expect(withRowNullTestsSpelledOut('CHECK (NOT (a, "b") IS NULL)')).toBe('CHECK (NOT (a IS NULL AND "b" IS NULL))');
    expect(withRowNullTestsSpelledOut('CHECK ((a, b) is not null)')).toBe('CHECK ((a IS NOT NULL AND b IS NOT NULL))');
    expect(withRowNullTestsSpelledOut('CHECK (coalesce(a, b) IS NULL)')).toBe('CHECK (coalesce(a, b) IS NULL)');
    expect(withRowNullTestsSpelledOut('CHECK ((a) IS NULL)')).toBe('CHECK ((a) IS NULL)');
  });

  it("runs dollar-quoted strings (node-pg-migrate's $pga$ values), which its lexer refuses", async () => {
    await engine.exec(`CREATE TYPE "order_status" AS ENUM ($pga$pending$pga$, $pga$it's paid$pga$);`);
    expect((await engine.snapshot()).enums.order_status).toEqual(['pending', "it's paid"]);
  });

  it('fails a re-run of knex createTableIfNotExists with a foreign key as Postgres does (duplicate constraint)', async () => {
    const knex = knexFactory({ client: 'pg', connection: {} });
    (knex.client as { driver: unknown }).driver = engine.pgDriver();
    const up = () =>
      knex.schema.createTableIfNotExists('pets', (table) => {
        table.increments('id');
        table.integer('owner_id').references('id').inTable('users');
      });
    try {
      await engine.exec('create table users (id serial primary key)');
      await up();
      const rerun = await up().then(() => undefined, (error: unknown) => error);
      // pg-mem alone accepts the duplicate foreign key; Postgres refuses it, and so must we.
      expect((rerun as Error).message).toMatch(/constraint "pets_owner_id_foreign" for relation "pets" already exists/);
      expect(await engine.isUnsupported(rerun)).toBe(false);
    } finally {
      await knex.destroy();
    }
  });
});

describe('pg-mem engine', () => {
  const failureOf = (sql: string) => engine.exec(sql).then(() => { throw new Error(`ran: ${sql}`); }, (error: unknown) => error);

  it.each([
    [`do $$ begin raise notice 'hi'; end $$`],
    [`create function touch() returns trigger as $$ begin return new; end $$ language plpgsql`],
    ['drop view if exists user_emails'],
    ['create extension if not exists postgis'],
    ['create table docs (body tsvector)'],
    [`create table events (at timestamptz default (now() at time zone 'utc'))`],
    [`create table notes (id int); select 'note ' || id from notes`],
    [`select indexname from pg_indexes where tablename = 'users'`],
  ])('calls valid Postgres it cannot run unsupported: %s', async (sql) => {
    expect(await engine.isUnsupported(await failureOf(sql))).toBe(true);
  });

  it.each([
    ['create table users (id int)', 'create table users (id int)'],
    ['create table users (id int)', 'select missing from users'],
    ['select 1', 'selec 1'],
  ])('calls genuine errors supported: after %s, %s', async (setup, sql) => {
    await engine.exec(setup);
    expect(await engine.isUnsupported(await failureOf(sql))).toBe(false);
  });

  it('provides what real projects call: uuid functions, their extensions, version()', async () => {
    await engine.exec('create extension if not exists "uuid-ossp"; create extension if not exists pgcrypto;');
    const { rows } = await engine.query('select gen_random_uuid() as a, uuid_generate_v4() as b, version() as v');
    expect(rows[0].a).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0].b).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0].v).toMatch(/^PostgreSQL 15/);
  });

  it('snapshots enums, views, sequences, defaults and schemas, and reset empties it all', async () => {
    await engine.exec(`
      create type mood as enum ('sad', 'happy');
      create schema audit;
      create sequence invoice_numbers start 100;
      create table people (id serial primary key, name text default 'anon', feeling mood);
      create view people_names as select id, name from people;`);
    const snapshot = await engine.snapshot();
    expect(snapshot.enums.mood).toEqual(['sad', 'happy']);
    expect(snapshot.schemas).toEqual(['audit']);
    expect(snapshot.sequences.invoice_numbers.start).toBe(100);
    expect(snapshot.tables.people.columns.name).toMatchObject({ type: 'text', nullable: true, default: "'anon'" });
    expect(snapshot.views.people_names.definition).toBe('id integer, name text');
    await engine.reset();
    expect(await engine.snapshot()).toMatchObject({ tables: {}, enums: {}, views: {}, sequences: {}, schemas: [] });
  });
});

describe('pg-mem engine replays', () => {
  it('records the statements it parsed, and replays them without parsing the text again', async () => {
    engine.statementLog = [];
    await engine.query('create table plans (id int primary key, name text not null)');
    await engine.exec('create table if not exists plans (id int); create index plans_name on plans (name);');
    const [create, script] = engine.statementLog;
    engine.statementLog = undefined;
    // A script keeps each of its statements, in order.
    expect((create.prepared as unknown[]).length).toBe(1);
    expect((script.prepared as { type: string }[]).map((statement) => statement.type)).toEqual(['create table', 'create index']);
    const recorded = await engine.snapshot();

    await engine.reset();
    // Text that does not even parse: only the prepared form can have rebuilt the schema.
    for (const statement of [create, script]) {
      await engine.replay!({ sql: 'this is not sql', prepared: JSON.parse(JSON.stringify(statement.prepared)) });
    }
    expect(diffSnapshots(recorded, await engine.snapshot())).toEqual([]);
  });

  it('replays a statement recorded with parameters from its text', async () => {
    await engine.query('create table plans (id int primary key, name text)');
    await engine.replay!({ sql: 'insert into plans (id, name) values ($1, $2)', params: [1, 'free'] });
    expect((await engine.query('select name from plans')).rows).toEqual([{ name: 'free' }]);
  });
});
