// Runs every fixture set on pg-mem alone (--no-fallback) and on the default (pg-mem, failures
// confirmed on PGlite), and lists every verdict where they differ. Each divergence must be known
// here, with the reason; an unlisted one fails the test, and so does a listed one that is gone.
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { fixtureSets } from './fixture-sets.js';

/** `framework/set/file: verdict on pg-mem alone -> verdict confirmed` and why they differ. */
// Every one is pg-mem saying "engine-unsupported" (a warning) where PGlite, real Postgres, gives the
// verdict: none is pg-mem failing a migration that Postgres runs, which would be a false finding.
const plpgsql = 'pg-mem has no plpgsql: DO blocks and plpgsql functions run on PGlite';
const replayPlpgsql = 'an earlier migration of the set uses plpgsql, so pg-mem cannot replay up to this one';
const dropSchema = 'pg-mem cannot parse DROP SCHEMA … CASCADE';
const views = 'pg-mem implements neither CREATE OR REPLACE VIEW nor DROP VIEW';
const knownDivergences: Record<string, string> = {
  'dbmate/clean/20240112143000_add_user_role.sql: engine-unsupported@3 -> clean': plpgsql,
  'dbmate/clean/20240120101500_create_orders.sql: engine-unsupported@1 -> clean': replayPlpgsql,
  'dbmate/clean/20240201080000_index_orders_placed_at.sql: engine-unsupported@1 -> clean': replayPlpgsql,
  'dbmate/clean/20240215170000_create_org_revenue_view.sql: engine-unsupported@1 -> clean': replayPlpgsql,
  'dbmate/mistakes/20240201080000_create_reporting_schema.sql: engine-unsupported@3 -> clean': dropSchema,
  'golang-migrate/clean/000003_add_user_status.up.sql: engine-unsupported@2 -> clean': plpgsql,
  'golang-migrate/clean/000004_create_orders.up.sql: engine-unsupported@1 -> clean': replayPlpgsql,
  'golang-migrate/clean/000005_create_active_users_view.up.sql: engine-unsupported@1 -> clean': replayPlpgsql,
  'golang-migrate/clean/000006_add_users_last_login.up.sql: engine-unsupported@1 -> clean': replayPlpgsql,
  'golang-migrate/mistakes/000007_create_reporting_schema.up.sql: engine-unsupported@2 -> clean': dropSchema,
  'knex/clean-cjs/003_create_orders.cjs: engine-unsupported@11,engine-unsupported@18 -> clean':
    'pg-mem refuses CREATE OR REPLACE FUNCTION over an existing function ("cannot change name of input parameter") and cannot drop functions',
  'knex/clean-ts/20240101090500_order_totals_view.ts: engine-unsupported@14,engine-unsupported@4 -> clean': views,
  'knex/mistakes/20240301100500_order_totals_view.cjs: engine-unsupported@9,idempotent-up@2 -> idempotent-up@2': views,
  'node-pg-migrate/clean/1700000000300_order-status-type.cjs: engine-unsupported@3 -> clean': plpgsql,
  'node-pg-migrate/clean/1700000000400_create-orders.ts: engine-unsupported@3 -> clean': replayPlpgsql,
  'node-pg-migrate/clean/1700000000500_order-totals-view.cjs: engine-unsupported@1 -> clean': replayPlpgsql,
  'node-pg-migrate/clean/1700000000600_add-users-nickname.cjs: engine-unsupported@1 -> clean': replayPlpgsql,
};

const dynamicRules = new Set(['up-runs', 'idempotent-up', 'idempotent-down', 'round-trip', 'engine-unsupported']);

function dynamicVerdicts(results: { filePath: string; messages: { ruleId: string | null; line: number }[] }[], dir: string) {
  const verdicts = new Map<string, string>();
  for (const result of results) {
    const found = result.messages.filter((m) => m.ruleId && dynamicRules.has(m.ruleId)).map((m) => `${m.ruleId}@${m.line}`);
    verdicts.set(relative(dir, result.filePath), found.sort().join(',') || 'clean');
  }
  return verdicts;
}

describe('pg-mem alone versus pg-mem confirmed on PGlite', () => {
  const sets = fixtureSets();
  // Every fixture set twice, PGlite included: minutes on a loaded 2-core machine.
  it.skipIf(sets.length === 0)('differ only where a known pg-mem divergence says so', { timeout: 900_000 }, async () => {
    const divergences: string[] = [];
    for (const set of sets) {
      const paths = set.files.filter((file) => !file.endsWith('.down.sql'));
      const common = { cwd: set.dir, paths, all: false, staged: false, framework: set.framework };
      const alone = dynamicVerdicts((await lint({ ...common, fallback: false })).results, set.dir);
      const confirmed = dynamicVerdicts((await lint({ ...common })).results, set.dir);
      for (const [file, verdict] of alone) {
        if (confirmed.get(file) !== verdict) divergences.push(`${set.framework}/${set.name}/${file}: ${verdict} -> ${confirmed.get(file)}`);
      }
    }
    // Printed so the note on each run says how often PGlite overturned pg-mem, and where.
    console.info(`pg-mem alone vs confirmed: ${divergences.length} divergences\n${divergences.join('\n')}`);
    expect(divergences.sort()).toEqual(Object.keys(knownDivergences).sort());
  });
});
