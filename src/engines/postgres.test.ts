import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffSnapshots } from '../schema/diff.js';
import type { Engine } from '../types.js';
import { createPostgresEngine } from './postgres.js';

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
});
