import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffSnapshots } from '../schema/diff.js';
import type { Engine } from '../types.js';
import { createPgliteEngine } from './pglite.js';

let cacheDir: string;
let engine: Engine;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'rollsafe-pglite-'));
  engine = await createPgliteEngine({ cacheDir });
}, 60_000);
afterAll(async () => {
  await engine?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('PGlite engine', () => {
  it('caches its initialised data directory and starts from it', async () => {
    const [cacheFile] = await readdir(cacheDir);
    expect(cacheFile).toMatch(/^pglite-\d+\.\d+\.\d+\.tar$/);
    // A data directory holding a marker table, planted as the cache: the next start must show it.
    const { PGlite } = await import('@electric-sql/pglite');
    const seeded = await PGlite.create();
    await seeded.exec('create table planted_by_cache (id int)');
    await writeFile(join(cacheDir, cacheFile), Buffer.from(await (await seeded.dumpDataDir('none')).arrayBuffer()));
    await seeded.close();
    const fromCache = await createPgliteEngine({ cacheDir });
    try {
      expect(Object.keys((await fromCache.snapshot()).tables)).toEqual(['planted_by_cache']);
    } finally {
      await fromCache.close();
    }
  }, 60_000);

  it('reset removes tables, types, extensions and other schemas', async () => {
    await engine.exec(`
      create extension if not exists "uuid-ossp";
      create type mood as enum ('sad', 'happy');
      create schema audit;
      create table audit.events (id uuid primary key default uuid_generate_v4(), feeling mood);
      create table people (id serial primary key);`);
    const dirty = await engine.snapshot();
    expect(dirty.extensions).toEqual(['uuid-ossp']);
    expect(Object.keys(dirty.tables).sort()).toEqual(['audit.events', 'people']);
    await engine.reset();
    const clean = await engine.snapshot();
    expect(clean).toEqual({ schemas: [], extensions: [], tables: {}, indexes: {}, sequences: {}, enums: {}, views: {} });
    await engine.exec('create table people (id int)');
    await engine.reset();
  });

  it('compares equal to itself across create -> drop -> create', async () => {
    const create = `
      create type status as enum ('new', 'done');
      create table users (id serial primary key, email varchar(20) not null unique, age int check (age > 0));
      create table tasks (id bigint generated always as identity primary key, user_id int references users(id) on delete cascade, state status default 'new');
      create index on tasks (user_id) where state = 'new';
      create view open_tasks as select id, user_id from tasks where state = 'new';`;
    await engine.exec(create);
    const first = await engine.snapshot();
    expect(first.tables.tasks.foreignKeys.tasks_user_id_fkey).toMatchObject({ references: 'users', onDelete: 'cascade' });
    expect(first.indexes.tasks_user_id_idx).toMatchObject({ table: 'tasks', columns: ['user_id'], predicate: "state = 'new'::status" });
    await engine.exec('drop view open_tasks; drop table tasks; drop table users; drop type status;');
    await engine.exec(create);
    expect(diffSnapshots(first, await engine.snapshot())).toEqual([]);
    await engine.reset();
  });

  it('sees the same check after its column changed type and back (Postgres keeps a cast it added), but a changed check differs', async () => {
    await engine.exec('create table invoices (id int primary key, amount numeric(10, 2) not null check (amount >= 0), "Net" numeric check ("Net" > 0))');
    const before = await engine.snapshot();
    await engine.exec('alter table invoices alter column amount type integer, alter column "Net" type integer');
    await engine.exec('alter table invoices alter column amount type numeric(10, 2), alter column "Net" type numeric');
    expect(diffSnapshots(before, await engine.snapshot())).toEqual([]);
    await engine.exec('alter table invoices drop constraint invoices_amount_check, add constraint invoices_amount_check check (amount > 0)');
    expect(diffSnapshots(before, await engine.snapshot())).toMatchObject([{ kind: 'changed', object: expect.stringContaining('invoices_amount_check') }]);
    await engine.reset();
  });

  it('runs a script of several statements through query() when it has no parameters', async () => {
    const result = await engine.query('create table notes (id int); insert into notes values (1), (2); select count(*)::int as n from notes');
    expect(result.rows).toEqual([{ n: 2 }]);
    await engine.reset();
  });

  it('drives real knex through the pg driver shim', async () => {
    const knex = knexFactory({ client: 'pg', connection: {} });
    (knex.client as { driver: unknown }).driver = engine.pgDriver();
    try {
      await knex.schema.createTable('accounts', (table) => {
        table.increments('id');
        table.string('name').notNullable();
      });
      expect(await knex.schema.hasTable('accounts')).toBe(true);
      expect(await knex.schema.hasTable('missing')).toBe(false);
      await knex('accounts').insert([{ name: 'a' }, { name: 'b' }]);
      expect(await knex('accounts').select('name').orderBy('id')).toEqual([{ name: 'a' }, { name: 'b' }]);
      expect(await knex('accounts').where({ name: 'a' }).update({ name: 'c' })).toBe(1);
      await knex.transaction(async (trx) => {
        await trx('accounts').insert({ name: 'in transaction' });
      });
      expect((await knex('accounts').count<{ count: string }[]>('* as count'))[0].count).toBe(3);
    } finally {
      await knex.destroy();
      await engine.reset();
    }
  });

  it('calls only what PGlite lacks unsupported', async () => {
    const missingExtension = await engine.exec('create extension postgis').catch((e: unknown) => e);
    expect(engine.isUnsupported(missingExtension)).toBe(true);
    const genuine = await engine.exec('alter table nowhere add column x int').catch((e: unknown) => e);
    expect(genuine).toBeInstanceOf(Error);
    expect(engine.isUnsupported(genuine)).toBe(false);
  });
});
