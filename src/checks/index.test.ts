import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MigrationSet } from '../types.js';
import { checkMigrations, type CheckOptions } from './index.js';

function knexSet(files: Record<string, string>): MigrationSet {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-checks-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return {
    dir,
    framework: 'knex',
    projectDir: '/work/main',
    migrations: Object.keys(files).map((name) => ({ id: name.replace(/\.[jt]s$/, ''), path: join(dir, name) })),
  };
}

const everyTarget = (set: MigrationSet) => set.migrations.map((migration) => ({ migration, hasDown: true }));
const options: CheckOptions = { engine: 'pg-mem', fallback: true, timeoutMs: 4000 };

const guardedTable = (table: string) => `exports.up = async (knex) => {
  if (!(await knex.schema.hasTable('${table}'))) {
    await knex.schema.createTable('${table}', (t) => {
      t.increments('id');
      t.text('name').notNullable();
    });
  }
};

exports.down = (knex) => knex.schema.dropTableIfExists('${table}');
`;

describe('checkMigrations', () => {
  it('gives each broken migration its own result and still checks the good one before it', async () => {
    const broken = {
      throwsOnImport: `if (!process.env.ROLLSAFE_TEST_NEVER_SET) throw new Error('DATABASE_URL is not configured');
exports.up = () => {};
exports.down = () => {};
`,
      importsMissingModule: `import { slugify } from 'this-package-does-not-exist';
export const up = async () => slugify('x');
export const down = async () => {};
`,
      hangsAsync: `exports.up = () => new Promise(() => {});
exports.down = async () => {};
`,
      hangsSync: `exports.up = async () => { while (true) {} };
exports.down = async () => {};
`,
    };
    const runs = Object.entries(broken).map(async ([name, source]) => {
      const ext = name === 'importsMissingModule' ? 'ts' : 'js';
      const set = knexSet({ '001_customers.js': guardedTable('customers'), [`002_${name}.${ext}`]: source });
      const results = await checkMigrations(set, everyTarget(set), options);
      return { name, good: results.get(set.migrations[0].path), bad: results.get(set.migrations[1].path) };
    });
    const outcomes = Object.fromEntries((await Promise.all(runs)).map((run) => [run.name, run]));

    for (const { good } of Object.values(outcomes)) {
      expect(good?.steps.map((s) => s.ok)).toEqual([true, true, true, true, true]);
    }
    expect(outcomes.throwsOnImport.bad?.loadError?.message).toMatch(/DATABASE_URL is not configured/);
    expect(outcomes.throwsOnImport.bad?.steps).toEqual([]);
    expect(outcomes.importsMissingModule.bad?.loadError?.message).toMatch(/this-package-does-not-exist.*002_importsMissingModule\.ts/);
    expect(outcomes.importsMissingModule.bad?.loadError?.loc?.line).toBe(1);
    for (const hung of [outcomes.hangsAsync.bad, outcomes.hangsSync.bad]) {
      expect(hung?.timedOut?.step).toBe('up');
      expect(hung?.timedOut?.ms).toBeGreaterThanOrEqual(4000);
    }
  });

  it('lets a migration that keeps sending statements run past the window, and stops an endless one at the cap, naming its statement', async () => {
    const pause = 'await new Promise((resolve) => setTimeout(resolve, 25))';
    const set = knexSet({
      // About 2 s of steady work per run: longer than the 1 s window, never a second without a statement.
      '001_slow.js': `exports.up = async (knex) => {
  for (let i = 0; i < 80; i++) {
    ${pause};
    await knex.raw('select ' + i);
  }
};
exports.down = async () => {};
`,
      '002_endless.js': `exports.up = async (knex) => {
  for (;;) {
    ${pause};
    await knex.raw('select 42 as endless');
  }
};
exports.down = async () => {};
`,
    });
    const results = await checkMigrations(set, everyTarget(set), { ...options, timeoutMs: 1000 });
    expect(results.get(set.migrations[0].path)?.timedOut).toBeUndefined();
    expect(results.get(set.migrations[0].path)?.steps.map((s) => s.ok)).toEqual([true, true, true, true, true]);
    expect(results.get(set.migrations[1].path)?.timedOut).toMatchObject({ step: 'up', statement: 'select 42 as endless' });
  });

  it('stops a migration that uses more memory than the cap, and checks the next one in a fresh worker', async () => {
    const set = knexSet({
      '001_hoards.js': `exports.up = async () => {
  const rows = [];
  for (;;) rows.push(new Array(100000).fill({ id: rows.length }));
};
exports.down = async () => {};
`,
      '002_customers.js': guardedTable('customers'),
    });
    const results = await checkMigrations(set, everyTarget(set), { ...options, timeoutMs: 60_000, memoryMb: 96 });
    expect(results.get(set.migrations[0].path)?.outOfMemory).toEqual({ step: 'up', mb: 96 });
    // The hoarder is not replayed under the next one: that one is reported as not run, not lost.
    expect(results.get(set.migrations[1].path)?.replayError?.migration).toBe('001_hoards');
  });

  it('names the earlier migration that hangs when a later one cannot be replayed past it', async () => {
    const set = knexSet({
      '001_hangs.js': `exports.up = () => new Promise(() => {});
exports.down = async () => {};
`,
      '002_customers.js': guardedTable('customers'),
    });
    const results = await checkMigrations(set, everyTarget(set), options);
    expect(results.get(set.migrations[0].path)?.timedOut?.step).toBe('up');
    expect(results.get(set.migrations[1].path)?.replayError?.migration).toBe('001_hangs');
  });

  it('checks a good migration whose earlier neighbour hangs only in down', async () => {
    const set = knexSet({
      '001_customers.js': guardedTable('customers'),
      '002_hangs_in_down.js': `exports.up = async () => {};
exports.down = () => new Promise(() => {});
`,
      '003_orders.js': guardedTable('orders'),
    });
    const results = await checkMigrations(set, everyTarget(set), options);
    expect(results.get(set.migrations[1].path)?.timedOut?.step).toBe('down');
    const orders = results.get(set.migrations[2].path);
    expect(orders?.steps.every((s) => s.ok)).toBe(true);
    expect(orders?.steps).toHaveLength(5);
    expect(results.get(set.migrations[0].path)?.engine).toBe('pg-mem');
  });

  it("re-runs on PGlite what pg-mem cannot run, and reports PGlite's verdict", async () => {
    const set = knexSet({
      '001_audit.js': `exports.up = (knex) => knex.raw(\`
  DO $$
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'audit_action') THEN
      CREATE TYPE audit_action AS ENUM ('insert', 'update', 'delete');
    END IF;
  END
  $$;
\`);

exports.down = (knex) => knex.raw('DROP TYPE IF EXISTS audit_action');
`,
    });
    const withFallback = (await checkMigrations(set, everyTarget(set), options)).get(set.migrations[0].path);
    expect(withFallback).toMatchObject({ engine: 'pglite', checkedFirstOn: 'pg-mem' });
    expect(withFallback?.steps.map((s) => s.ok)).toEqual([true, true, true, true, true]);

    const pgMemOnly = (await checkMigrations(set, everyTarget(set), { ...options, fallback: false })).get(set.migrations[0].path);
    expect(pgMemOnly?.engine).toBe('pg-mem');
    expect(pgMemOnly?.steps[0]).toMatchObject({ step: 'up', ok: false, error: { unsupported: true } });
  });
});
