import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffSnapshots } from '../schema/diff.js';
import type { Engine } from '../types.js';
import { createPostgresEngine, dropThrowawayDatabasesOfThisProcess } from './postgres.js';

const databaseUrl = process.env.DATABASE_URL;
const reachable = databaseUrl ? await canConnect(new URL(databaseUrl)) : false;
if (!reachable) console.warn(`postgres engine tests skipped: ${databaseUrl ? `${new URL(databaseUrl).host} is unreachable` : 'DATABASE_URL is unset'}`);

function canConnect(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false)).once('timeout', () => resolve(false));
    socket.connect(Number(url.port || 5432), url.hostname);
  }).then((ok) => ok as boolean);
}

describe.skipIf(!reachable)('postgres engine', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createPostgresEngine({ databaseUrl: databaseUrl! });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('works in a throwaway database, never the one the URL names', async () => {
    const { rows } = await engine.query('select current_database() as name');
    expect(rows[0].name).toMatch(/^rollsafe_\d+_[0-9a-f]+$/);
    expect(rows[0].name).not.toBe(new URL(databaseUrl!).pathname.slice(1));
  });

  it('compares equal to itself across create -> drop -> create, and reset empties it', async () => {
    const create = `
      create table users (id serial primary key, email text not null unique);
      create table posts (id int primary key, author_id int references users(id), check (id > 0));
      create index on posts (author_id);`;
    await engine.exec(create);
    const first = await engine.snapshot();
    expect(Object.keys(first.tables.posts.foreignKeys)).toEqual(['posts_author_id_fkey']);
    await engine.exec('drop table posts; drop table users;');
    await engine.exec(create);
    expect(diffSnapshots(first, await engine.snapshot())).toEqual([]);
    await engine.exec(`create schema audit; create type mood as enum ('a');`);
    await engine.reset();
    expect(await engine.snapshot()).toMatchObject({ tables: {}, enums: {}, schemas: [] });
  });

  it('drops its database on close', async () => {
    const other = await createPostgresEngine({ databaseUrl: databaseUrl! });
    const name = (await other.query('select current_database() as name')).rows[0].name;
    await other.close();
    const { rows } = await engine.query('select count(*)::int as n from pg_database where datname = $1', [name]);
    expect(rows[0].n).toBe(0);
  });

  it('drops the databases an interrupted run left behind, and no other', async () => {
    // A process id that cannot be running: pids stay below 2^22 on Linux.
    const orphan = 'rollsafe_4194999_00c0ffee';
    const unrelated = `rollsafe_keep_${process.pid}`;
    const client = await connectTo(databaseUrl!);
    await client.query(`create database "${orphan}"`);
    await client.query(`create database "${unrelated}"`);
    try {
      const next = await createPostgresEngine({ databaseUrl: databaseUrl! });
      await next.close();
      const { rows } = await client.query(`select datname from pg_database where datname in ($1, $2)`, [orphan, unrelated]);
      expect(rows.map((r: { datname: string }) => r.datname)).toEqual([unrelated]);
    } finally {
      await client.query(`drop database if exists "${orphan}"`);
      await client.query(`drop database if exists "${unrelated}"`);
      await client.end();
    }
  });

  it("drops this process's databases on request (the main thread's Ctrl-C), even while connected", async () => {
    const stray = await createPostgresEngine({ databaseUrl: databaseUrl! });
    const name = (await stray.query('select current_database() as name')).rows[0].name;
    await dropThrowawayDatabasesOfThisProcess(databaseUrl!);
    const { rows } = await probe(`select count(*)::int as n from pg_database where datname = '${name}'`);
    expect(rows[0].n).toBe(0);
    await stray.close();
    // The engine of this suite was dropped too: give the later tests a fresh one.
    await engine.close();
    engine = await createPostgresEngine({ databaseUrl: databaseUrl! });
  });

  it('keeps a state as a template and starts a fresh engine from it; keeps one older state per group', async () => {
    const group = `test${process.pid}`;
    const keys = ['aaaa1111', 'bbbb2222', 'cccc3333'].map((k) => `${k}${process.pid}`);
    const kept = async () =>
      (await probe(`select datname from pg_database where datname like 'rollsafe_tpl_${group.slice(0, 8)}%' order by datname`)).rows.map((r: { datname: string }) => r.datname);
    try {
      await engine.reset();
      await engine.exec('create table invoices (id int primary key, total numeric(10, 2) not null)');
      for (const key of keys) await engine.templates!.save(key, group);
      expect(await kept()).toHaveLength(2);
      // The engine goes on in its own database after saving.
      await engine.exec('create table after_save (id int)');

      const fresh = await createPostgresEngine({ databaseUrl: databaseUrl! });
      try {
        expect(await fresh.templates!.restore(keys[0], group)).toBe(false);
        expect(await fresh.templates!.restore(keys[2], group)).toBe(true);
        expect(Object.keys((await fresh.snapshot()).tables)).toEqual(['invoices']);
        expect((await fresh.query('select current_database() as name')).rows[0].name).toMatch(/^rollsafe_\d+_[0-9a-f]+$/);
      } finally {
        await fresh.close();
      }
      const used = await createPostgresEngine({ databaseUrl: databaseUrl! });
      await used.query('select 1');
      // Once its database exists, an engine does not switch.
      expect(await used.templates!.restore(keys[2], group)).toBe(false);
      await used.close();
    } finally {
      for (const name of await kept()) await probe(`drop database if exists "${name}"`);
    }
  });

  it('never creates anything in the database the URL names', async () => {
    const before = await probe(`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'`);
    await engine.exec('create table lone_wolf (id int); create index on lone_wolf (id);');
    await engine.reset();
    const after = await probe(`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

async function connectTo(url: string) {
  const pg = createRequire(import.meta.url)('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** A query on the database the URL names, outside every engine. */
async function probe(sql: string) {
  const client = await connectTo(databaseUrl!);
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}
