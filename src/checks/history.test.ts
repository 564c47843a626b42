import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../engines/index.js';
import type { Engine, MigrationFile, MigrationRunner, MigrationSet } from '../types.js';
import { runHistory } from './history.js';

/** A set of SQL migrations run by a bare runner: the history pass needs no framework. */
function sqlHistory(framework: MigrationSet['framework'], migrations: { id: string; up: string; down?: string }[]) {
  const files: MigrationFile[] = migrations.map((m) => ({ id: m.id, path: `/project/migrations/${m.id}.sql` }));
  const set: MigrationSet = { dir: '/project/migrations', framework, projectDir: '/project', migrations: files };
  const runs: string[] = [];
  const runnerFor = (engine: Engine): MigrationRunner => ({
    async run(migration, direction) {
      const source = migrations.find((m) => m.id === migration.id)!;
      runs.push(`${direction} ${migration.id}`);
      await engine.exec(direction === 'up' ? source.up : source.down!);
    },
    async close() {},
  });
  const hasDown = (migration: MigrationFile) => migrations.find((m) => m.id === migration.id)!.down !== undefined;
  return { set, runnerFor, hasDown, runs };
}

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('the whole-history round trip', () => {
  it('is silent when every down undoes its up', async () => {
    engine = await createEngine('pg-mem');
    const history = sqlHistory('knex', [
      { id: '001_users', up: 'create table users (id serial primary key, email text not null)', down: 'drop table users' },
      { id: '002_nickname', up: 'alter table users add column nickname text', down: 'alter table users drop column nickname' },
    ]);
    const run = await runHistory({ engine, runner: history.runnerFor(engine), set: history.set, hasDown: history.hasDown });
    expect(run.verdicts.size).toBe(0);
    expect(run.notRun).toBeUndefined();
    expect(history.runs).toEqual(['up 001_users', 'up 002_nickname', 'down 002_nickname', 'down 001_users']);
  });

  it('charges what is left at the base to the migration whose up created it', async () => {
    engine = await createEngine('pg-mem');
    const history = sqlHistory('knex', [
      { id: '001_plans', up: 'create table plans (id int primary key, code text not null)', down: 'drop table plans' },
      // Its down forgets its own table; the later seed's down and the earlier one's run fine.
      { id: '002_tags', up: 'create table tags (id int primary key)', down: 'delete from plans where code = $$none$$' },
      { id: '003_seed', up: `insert into plans values (1, 'legacy')`, down: 'select 1' },
    ]);
    const run = await runHistory({ engine, runner: history.runnerFor(engine), set: history.set, hasDown: history.hasDown });
    expect([...run.verdicts.keys()]).toEqual(['/project/migrations/002_tags.sql']);
    expect(run.verdicts.get('/project/migrations/002_tags.sql')!.residue).toEqual([{ kind: 'added', object: 'table tags' }]);
  });

  it("ignores the framework's own bookkeeping tables", async () => {
    engine = await createEngine('pg-mem');
    const history = sqlHistory('node-pg-migrate', [
      { id: '001_users', up: 'create table if not exists pgmigrations (id serial primary key, name text); create table users (id int)', down: 'drop table users' },
    ]);
    const run = await runHistory({ engine, runner: history.runnerFor(engine), set: history.set, hasDown: history.hasDown });
    expect(run.verdicts.size).toBe(0);
  });

  it('stops above a migration without a down and judges against the schema after it', async () => {
    engine = await createEngine('pg-mem');
    const history = sqlHistory('knex', [
      { id: '001_users', up: 'create table users (id int)' },
      { id: '002_orders', up: 'create table orders (id int)', down: 'select 1' },
      { id: '003_tags', up: 'create table tags (id int)', down: 'drop table tags' },
    ]);
    const run = await runHistory({ engine, runner: history.runnerFor(engine), set: history.set, hasDown: history.hasDown });
    expect(run.baseAfter).toBe('001_users.sql');
    expect(history.runs.filter((r) => r.startsWith('down'))).toEqual(['down 003_tags', 'down 002_orders']);
    expect(Object.fromEntries([...run.verdicts].map(([path, v]) => [path, v.residue?.map((c) => c.object)]))).toEqual({
      '/project/migrations/002_orders.sql': ['table orders'],
    });
  });

  it('reports a down that fails on the way to the base, and nothing of the migrations below it', async () => {
    engine = await createEngine('pg-mem');
    const history = sqlHistory('knex', [
      { id: '001_users', up: 'create table users (id int primary key)', down: 'select 1' },
      { id: '002_audit', up: 'create table audit (id int)', down: 'drop table audit; drop table no_such_table' },
    ]);
    const run = await runHistory({ engine, runner: history.runnerFor(engine), set: history.set, hasDown: history.hasDown });
    expect(run.verdicts.get('/project/migrations/002_audit.sql')?.downError?.message).toMatch(/no_such_table/);
    expect(run.verdicts.has('/project/migrations/001_users.sql')).toBe(false);
  });

  it('says so when the way up fails, without judging anything', async () => {
    engine = await createEngine('pg-mem');
    const history = sqlHistory('knex', [{ id: '001_broken', up: 'alter table nowhere add column x int', down: 'select 1' }]);
    const run = await runHistory({ engine, runner: history.runnerFor(engine), set: history.set, hasDown: history.hasDown });
    expect(run.notRun?.migration).toBe('001_broken.sql');
    expect(run.verdicts.size).toBe(0);
  });
});
