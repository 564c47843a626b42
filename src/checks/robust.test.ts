// One bad migration is a finding on that migration: what it leaves floating, and rollsafe's own
// failures on it, never end the run for the others.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { Engine, EngineName, MigrationSet, ProtocolResult } from '../types.js';
import { checkMigrations } from './index.js';
import { walkSet, type WalkEvent } from './walk.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Whose checks run now, and which one the sabotaged engine fails on (see the mock below). */
const sabotage: { current?: string; poisoned?: string } = {};

vi.mock('../engines/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../engines/index.js')>();
  return {
    ...original,
    async createEngine(name: EngineName, options: Parameters<typeof original.createEngine>[1]): Promise<Engine> {
      const engine = await original.createEngine(name, options);
      const snapshot = engine.snapshot.bind(engine);
      // An engine whose catalog read breaks, with an error that says nothing, for one migration only.
      engine.snapshot = () => (sabotage.current && sabotage.current === sabotage.poisoned ? Promise.reject(new Error('\n')) : snapshot());
      return engine;
    },
  };
});

function knexSet(files: Record<string, string>): MigrationSet {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-robust-'));
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return {
    dir,
    framework: 'knex',
    projectDir: repoRoot,
    migrations: Object.keys(files).map((name) => ({ id: name.replace(/\.[jt]s$/, ''), path: join(dir, name) })),
  };
}

const table = (name: string, extra = '') => `exports.up = async (knex) => {
  await knex.raw('create table if not exists ${name} (id serial primary key)');${extra}
};
exports.down = async (knex) => {
  await knex.raw('drop table if exists ${name}');
};
`;

const everyTarget = (set: MigrationSet) => set.migrations.map((migration) => ({ migration, hasDown: true }));

describe('one bad migration', () => {
  it('a query left floating that fails is that migration\'s finding; the migrations around it are reported as usual', async () => {
    const set = knexSet({
      '001_customers.js': table('customers'),
      '002_orders.js': table('orders', `\n  knex.raw('create index orders_customer_idx on no_such_table (id)').then(() => undefined);`),
      '003_invoices.js': table('invoices'),
    });
    const results = await checkMigrations(set, everyTarget(set), { engine: 'pg-mem', fallback: true, timeoutMs: 30_000 });
    const [customers, orders, invoices] = set.migrations.map((m) => results.get(m.path));
    expect(customers?.steps.every((step) => step.ok)).toBe(true);
    expect(invoices?.steps.every((step) => step.ok)).toBe(true);
    expect(orders?.engine).toBe('pglite');
    const floating = orders?.floatingQueries ?? [];
    expect(floating.length).toBeGreaterThan(0);
    expect(floating[0]).toMatchObject({ step: 'up', error: expect.stringMatching(/no_such_table/), loc: { file: set.migrations[1].path, line: 3 } });
  }, 120_000);

  it('pg_trgm with gist_trgm_ops indexes, a rolled-back re-run and a reset ("cache lookup failed for function" on PGlite and Postgres) end neither --all nor any check', async () => {
    // As atproto's first bsky migration: the re-run of up fails after `create extension if not exists`, its
    // transaction rolls back, and the engine is reset before down is judged.
    const set = knexSet({
      '001_docs.js': `exports.up = async (knex) => {
  await knex.raw('create extension if not exists pg_trgm');
  await knex.raw('create table docs (id serial primary key, title text)');
  await knex.raw('create index docs_title_trgm on docs using gist (title gist_trgm_ops)');
};
exports.down = (knex) => knex.raw('drop table if exists docs');
`,
      '002_posts.js': table('posts'),
    });
    const results = await checkMigrations(set, everyTarget(set), { engine: 'pglite', fallback: false, timeoutMs: 60_000, history: true });
    const [docs, posts] = set.migrations.map((m) => results.get(m.path));
    expect(docs?.internalError).toBeUndefined();
    expect(docs?.steps.find((step) => step.step === 'up-again')?.error?.message).toMatch(/already exists/);
    expect(docs?.steps.find((step) => step.step === 'down')?.ok).toBe(true);
    expect(posts?.internalError).toBeUndefined();
    expect(posts?.steps.every((step) => step.ok)).toBe(true);
    expect(posts?.history?.internalError).toBeUndefined();
  }, 180_000);

  it('rollsafe\'s own failure on one migration is reported on it, even with an empty message, and the next one runs on a fresh engine', async () => {
    const set = knexSet({ '001_customers.js': table('customers'), '002_orders.js': table('orders'), '003_invoices.js': table('invoices') });
    sabotage.poisoned = set.migrations[1].path;
    const results = new Map<string, ProtocolResult>();
    const tell = (event: WalkEvent) => {
      if (event.type === 'start') sabotage.current = event.path;
      if (event.type === 'result') results.set(event.path, event.result);
    };
    try {
      await walkSet({ set, targets: everyTarget(set), engine: 'pg-mem', fallback: true, hangsOnUp: [] }, tell);
    } finally {
      sabotage.poisoned = undefined;
    }
    const [customers, orders, invoices] = set.migrations.map((m) => results.get(m.path));
    expect(orders?.internalError?.message).toMatch(/^Error \(no message\)$/);
    expect(customers?.steps.map((step) => step.ok)).toEqual([true, true, true, true, true]);
    expect(invoices?.steps.map((step) => step.ok)).toEqual([true, true, true, true, true]);
  }, 120_000);
});
