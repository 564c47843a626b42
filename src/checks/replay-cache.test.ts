import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MigrationSet } from '../types.js';
import { ReplayCache } from './replay-cache.js';

function project(): MigrationSet {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-replay-'));
  mkdirSync(join(dir, 'node_modules'));
  mkdirSync(join(dir, 'migrations'));
  const migrations = ['001_users.js', '002_orders.js', '003_index.js'].map((name) => {
    const path = join(dir, 'migrations', name);
    writeFileSync(path, `exports.up = (knex) => knex.raw('-- ${name}');`);
    return { id: name, path };
  });
  return { dir: join(dir, 'migrations'), framework: 'knex', projectDir: dir, migrations };
}

describe('ReplayCache', () => {
  it('gives back what was recorded, without catalog reads or transaction control, once saved', async () => {
    const set = project();
    const first = await ReplayCache.open(set, 'pg-mem');
    first.record(0, [
      { sql: 'BEGIN;' },
      { sql: 'select * from information_schema.tables where table_name = $1', params: ['users'] },
      { sql: 'select version();' },
      { sql: 'create table users (id serial primary key)' },
      { sql: 'COMMIT;' },
    ]);
    first.record(1, [{ sql: 'create table orders (id serial primary key)' }]);
    await first.save();

    const second = await ReplayCache.open(set, 'pg-mem');
    expect(second.statementsOf(0)).toEqual([{ sql: 'create table users (id serial primary key)' }]);
    expect(second.statementsOf(1)).toEqual([{ sql: 'create table orders (id serial primary key)' }]);
    expect(second.statementsOf(2)).toBeUndefined();
  });

  it('forgets a changed migration and every one after it, but keeps those before', async () => {
    const set = project();
    const cache = await ReplayCache.open(set, 'pg-mem');
    cache.record(0, [{ sql: 'create table users (id int)' }]);
    cache.record(1, [{ sql: 'create table orders (id int)' }]);
    cache.record(2, [{ sql: 'create index orders_id on orders (id)' }]);
    await cache.save();

    writeFileSync(set.migrations[1].path, "exports.up = (knex) => knex.raw('create table orders (id bigint)');");
    const reopened = await ReplayCache.open(set, 'pg-mem');
    expect(reopened.statementsOf(0)).toBeDefined();
    expect(reopened.statementsOf(1)).toBeUndefined();
    expect(reopened.statementsOf(2)).toBeUndefined();
  });

  it('serves a staged copy of the folder (a new folder on each commit) from the folder\'s own recordings', async () => {
    const set = project();
    const cache = await ReplayCache.open(set, 'pg-mem');
    cache.record(0, [{ sql: 'create table users (id int)' }]);
    cache.record(1, [{ sql: 'create table orders (id int)' }]);
    await cache.save();

    const copyDir = join(set.projectDir, '.rollsafe-staged-migrations-0a1b2c3d');
    cpSync(set.dir, copyDir, { recursive: true });
    const copy: MigrationSet = { ...set, dir: copyDir, migrations: set.migrations.map((m) => ({ id: m.id, path: join(copyDir, basename(m.path)) })) };
    expect((await ReplayCache.open(copy, 'pg-mem')).statementsOf(1)).toBeUndefined();
    const staged = await ReplayCache.open({ ...copy, origin: set.dir }, 'pg-mem');
    expect(staged.statementsOf(0)).toEqual([{ sql: 'create table users (id int)' }]);
    expect(staged.statementsOf(1)).toEqual([{ sql: 'create table orders (id int)' }]);
  });

  it('keeps each engine apart', async () => {
    const set = project();
    const cache = await ReplayCache.open(set, 'pg-mem');
    cache.record(0, [{ sql: 'create table users (id int)' }]);
    await cache.save();
    expect((await ReplayCache.open(set, 'pglite')).statementsOf(0)).toBeUndefined();
  });
});
