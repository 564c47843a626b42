import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../engines/index.js';
import { createKnexRunner } from '../frameworks/knex/run.js';
import { createNodePgMigrateRunner } from '../frameworks/node-pg-migrate/run.js';
import type { RunnerContext } from '../frameworks/adapter.js';
import { importMigration, requireFromProject } from '../load/index.js';
import type { Engine, FrameworkName, MigrationRunner, MigrationSet } from '../types.js';
import { migrationShownName, runProtocol, type ProtocolInput } from './protocol.js';

const projectDir = '/work/main';

function migrationSet(framework: FrameworkName, files: Record<string, string>): MigrationSet {
  const dir = mkdtempSync(join(tmpdir(), `rollsafe-${framework}-`));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return {
    dir,
    framework,
    projectDir,
    migrations: Object.keys(files).map((name) => ({ id: name.replace(/\.[jt]s$/, ''), path: join(dir, name) })),
  };
}

const open: { engine: Engine; runner: MigrationRunner }[] = [];
afterEach(async () => {
  for (const { engine, runner } of open.splice(0)) {
    await runner.close();
    await engine.close();
  }
});

async function protocol(set: MigrationSet, index: number, hasDown = true, replayOnly = false) {
  const engine = await createEngine('pg-mem');
  const context: RunnerContext = {
    engine,
    set,
    importMigration: (path) => importMigration(path, set.projectDir),
    requireFromProject: (specifier) => requireFromProject(specifier, set.projectDir),
  };
  const runner = set.framework === 'knex' ? await createKnexRunner(context) : await createNodePgMigrateRunner(context);
  open.push({ engine, runner });
  return runProtocol({ engine, runner, set, migration: set.migrations[index], hasDown, applied: 0, replayOnly });
}

const guardedUsers = `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('users'))) {
    await knex.schema.createTable('users', (table) => {
      table.increments('id');
      table.string('email', 320).notNullable().unique();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`;

describe('migrationShownName', () => {
  it("names a migration by its file, and by its folder too where every file is up.sql (diesel)", () => {
    expect(migrationShownName('/m/20240101_a.js')).toBe('20240101_a.js');
    expect(migrationShownName('/m/2024-01-01-000000_users/up.sql')).toBe('2024-01-01-000000_users/up.sql');
  });
});

describe('the protocol with knex migrations', () => {
  it('passes every step for a guarded migration with a faithful down', async () => {
    const set = migrationSet('knex', { '20240101000000_users.ts': guardedUsers });
    const { result, applied } = await protocol(set, 0);
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
      ['up', true],
      ['up-again', true],
      ['down', true],
      ['down-again', true],
      ['up-after-down', true],
    ]);
    expect(result.upAgainChanges ?? result.downChanges ?? result.upAfterDownChanges).toBeUndefined();
    expect(applied).toBe(1);
  });

  it('fails up-again on an unguarded createTable, at the line of that call', async () => {
    const set = migrationSet('knex', {
      '20240101000000_users.ts': guardedUsers,
      '20240102000000_orders.ts': `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (table) => {
    table.increments('id');
    table.integer('user_id').references('users.id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('orders');
}
`,
    });
    const { result } = await protocol(set, 1);
    const upAgain = result.steps.find((s) => s.step === 'up-again');

    expect(upAgain?.ok).toBe(false);
    expect(upAgain?.error?.message).toMatch(/orders.*already exists/);
    expect(upAgain?.error?.loc).toMatchObject({ file: set.migrations[1].path, line: 4 });
    // down is still judged, from the state one up leaves
    expect(result.steps.find((s) => s.step === 'down')?.ok).toBe(true);
    expect(result.downChanges).toBeUndefined();
  });

  it('reports the column a down forgets to drop', async () => {
    const set = migrationSet('knex', {
      '20240101000000_users.ts': guardedUsers,
      '20240103000000_users_status.js': `exports.up = async function (knex) {
  const has = await knex.schema.hasColumn('users', 'status');
  if (!has) {
    await knex.schema.alterTable('users', (table) => {
      table.string('status', 20).notNullable().defaultTo('active');
      table.timestamp('last_seen_at');
    });
  }
};

exports.down = async function (knex) {
  if (await knex.schema.hasColumn('users', 'status')) {
    await knex.schema.alterTable('users', (table) => table.dropColumn('status'));
  }
};
`,
    });
    const { result } = await protocol(set, 1);
    expect(result.steps.find((s) => s.step === 'down')?.ok).toBe(true);
    expect(result.downChanges).toEqual([expect.objectContaining({ kind: 'added', object: expect.stringContaining('last_seen_at') })]);
  });

  it('names the earlier migration that does not replay', async () => {
    const set = migrationSet('knex', {
      '20240101000000_broken.js': `exports.up = (knex) => knex.raw('ALTER TABLE missing_table ADD COLUMN x int');
exports.down = () => {};
`,
      '20240102000000_users.ts': guardedUsers,
    });
    const { result } = await protocol(set, 1);
    expect(result.replayError).toMatchObject({ migration: '20240101000000_broken.js', message: expect.stringMatching(/missing_table/) });
    expect(result.steps).toEqual([]);
  });

  it('replayOnly (a history check) replays and runs up once: an unguarded migration is not run twice', async () => {
    const unguarded = `exports.up = (knex) => knex.schema.createTable('orders', (table) => { table.increments('id'); });
exports.down = (knex) => knex.schema.dropTable('orders');
`;
    const set = migrationSet('knex', { '20240101000000_users.ts': guardedUsers, '20240102000000_orders.js': unguarded });
    const { result, applied } = await protocol(set, 1, true, true);
    expect(result.steps).toEqual([{ step: 'up', ok: true }]);
    expect(result.upAgainChanges).toBeUndefined();
    expect(applied).toBe(2);
    // the full protocol on the same set does run it again, and fails
    expect((await protocol(set, 1)).result.steps.find((s) => s.step === 'up-again')?.ok).toBe(false);
  });
});

describe('the protocol with node-pg-migrate migrations', () => {
  it('derives down automatically when it is omitted, and round-trips', async () => {
    const set = migrationSet('node-pg-migrate', {
      '1704067200000_accounts.js': `exports.shorthands = { id: { type: 'serial', primaryKey: true } };

exports.up = (pgm) => {
  pgm.createTable('accounts', {
    id: 'id',
    name: { type: 'varchar(100)', notNull: true },
  }, { ifNotExists: true });
  pgm.createIndex('accounts', 'name', { ifNotExists: true });
};
`,
    });
    const { result } = await protocol(set, 0);
    const ok = Object.fromEntries(result.steps.map((s) => [s.step, s.ok]));
    expect(ok).toMatchObject({ up: true, down: true, 'up-after-down': true });
    // the derived down drops the index without IF EXISTS, so a second down fails, as it would in production
    expect(result.steps.find((s) => s.step === 'down-again')?.error?.message).toMatch(/accounts_name_index/);
    // the reversed down drops what up created, so the schema is back to empty
    expect(result.downChanges).toBeUndefined();
    expect(result.upAfterDownChanges).toBeUndefined();
  });

  it('attributes a failing statement to its pgm call, and sends pgm.db queries to the engine', async () => {
    const set = migrationSet('node-pg-migrate', {
      '1704067200000_accounts.ts': `import type { MigrationBuilder } from 'node-pg-migrate';

export async function up(pgm: MigrationBuilder): Promise<void> {
  const { rows } = await pgm.db.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'accounts'");
  if (rows[0].n > 0) return;
  pgm.createTable('accounts', { id: 'id' });
  pgm.addColumns('accounts', { email: { type: 'text' } });
  pgm.addColumns('accounts', { email: { type: 'text' } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('accounts', { ifExists: true });
}
`,
    });
    const { result } = await protocol(set, 0);
    const up = result.steps.find((s) => s.step === 'up');
    expect(up?.ok).toBe(false);
    expect(up?.error?.message).toMatch(/email/);
    expect(up?.error?.loc).toMatchObject({ file: set.migrations[0].path, line: 8 });
  });
});

describe('restoring the state before up on an engine with checkpoints (PGlite)', () => {
  const sql = (statements: string[]) =>
    Object.fromEntries(
      statements.flatMap((table, i) => [
        [`00000${i + 1}_create_${table}.up.sql`, `CREATE TABLE ${table} (id int);\n`],
        [`00000${i + 1}_create_${table}.down.sql`, `DROP TABLE ${table};\n`],
      ]),
    );

  async function onPglite(set: MigrationSet, index: number, options: Pick<ProtocolInput, 'withoutCheckpoint' | 'stopAtFirstFailure' | 'knownSchema'> = {}) {
    const { golangMigrateAdapter } = await import('../frameworks/golang-migrate/index.js');
    const engine = await createEngine('pglite', { extensions: [] });
    const runner = await golangMigrateAdapter.createRunner({
      engine,
      set,
      importMigration: (path) => importMigration(path, set.projectDir),
      requireFromProject: (specifier) => requireFromProject(specifier, set.projectDir),
    });
    open.push({ engine, runner });
    const replayed: string[] = [];
    const run = await runProtocol({
      engine,
      runner,
      set,
      migration: set.migrations[index],
      hasDown: true,
      applied: 0,
      ...options,
      onProgress: (event) => {
        if ('replaying' in event) replayed.push(event.replaying.id);
      },
    });
    return { ...run, replayed, tables: Object.keys((await engine.snapshot()).tables).sort() };
  }

  async function sqlSet(tables: string[]): Promise<MigrationSet> {
    const { golangMigrateAdapter } = await import('../frameworks/golang-migrate/index.js');
    const set = migrationSet('golang-migrate', sql(tables));
    return { ...set, migrations: await golangMigrateAdapter.listMigrations(set.dir) };
  }

  it('replays the earlier migrations once, gives the same verdict as replaying, and ends at the state before up', async () => {
    const set = await sqlSet(['orgs', 'users', 'orders']);
    const kept = await onPglite(set, 2);
    // up-again fails, so down and down-again need the state after one up rebuilt: from the checkpoint, not a replay.
    expect(kept.result.steps.find((s) => s.step === 'up-again')?.ok).toBe(false);
    expect(kept.replayed).toEqual(['1', '2']);
    // up-after-down ran last and left the state after one up.
    expect(kept.applied).toBe(3);
    expect(kept.tables).toEqual(['orders', 'orgs', 'users']);
    const replaying = await onPglite(set, 2, { withoutCheckpoint: true });
    expect(replaying.replayed.length).toBeGreaterThan(2);
    expect(kept.result).toEqual(replaying.result);
  }, 60_000);

  it("takes the schema before up from the previous target's S1 when the engine stands exactly there, instead of reading it again", async () => {
    const set = await sqlSet(['orgs', 'users']);
    const ghost = { columns: {}, uniques: {}, foreignKeys: {}, checks: {} };
    const known = (await onPglite(set, 0)).knownSchema!;
    expect(known.applied).toBe(1);
    expect(Object.keys(known.snapshot.tables)).toEqual(['orgs']);
    // A planted table in the known schema shows up in down's diff: S0 was not read from the engine.
    const planted = { applied: 1, snapshot: { ...known.snapshot, tables: { ...known.snapshot.tables, ghost } } };
    const { result } = await onPglite(set, 1, { knownSchema: planted });
    expect(JSON.stringify(result.downChanges)).toMatch(/ghost/);
    // Known for another number of migrations: read from the engine as before.
    const unplanted = await onPglite(set, 1, { knownSchema: { ...planted, applied: 2 } });
    expect(unplanted.result.downChanges).toBeUndefined();
  }, 60_000);

  it('stops at the first step that is not clean when asked (pg-mem before PGlite), rolled back to the state before up', async () => {
    const set = await sqlSet(['orgs', 'users']);
    const { result, applied, tables } = await onPglite(set, 1, { stopAtFirstFailure: true });
    expect(result.steps.map((s) => s.step)).toEqual(['up', 'up-again']);
    expect(applied).toBe(1);
    expect(tables).toEqual(['orgs']);
  }, 60_000);
});
