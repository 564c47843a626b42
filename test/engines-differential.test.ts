// Every fixture set of every framework on three engines: pg-mem alone (--no-fallback), the default
// (pg-mem, whatever it fails confirmed on PGlite) and real Postgres (DATABASE_URL; skipped with a
// notice without it). The default and real Postgres must give the same verdicts; pg-mem alone may
// differ only where a divergence below says so, with the reason. An unlisted divergence fails the
// test, and so does a listed one that is gone. New fixture sets are picked up as they are added.
import { Socket } from 'node:net';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import type { EngineName } from '../src/types.js';
import { fixtureSets, type FixtureSet } from './fixture-sets.js';

/** `framework/set/file: verdict on pg-mem alone -> verdict confirmed` and why they differ. */
// Every one is pg-mem saying "engine-unsupported" (a warning) where PGlite, real Postgres, gives the
// verdict: none is pg-mem failing a migration that Postgres runs, which would be a false finding.
const plpgsql = 'pg-mem has no plpgsql: DO blocks and plpgsql functions run on PGlite';
const replayPlpgsql = 'an earlier migration of the set uses plpgsql, so pg-mem cannot replay up to this one';
const dropSchema = 'pg-mem cannot parse DROP SCHEMA … CASCADE';
const views = 'pg-mem implements neither CREATE OR REPLACE VIEW nor DROP VIEW';
const alembicReads = 'pg-mem cannot run a revision that reads the database (op.get_bind(), an inspector)';
const initcap = 'pg-mem has no initcap()';
const knownDivergences: Record<string, string> = {
  'alembic/clean/versions/2b3c4d5e6f70_add_user_status.py: engine-unsupported@23 -> clean': alembicReads,
  'alembic/clean/versions/3c4d5e6f7081_create_orders.py: engine-unsupported@18 -> clean': `an earlier revision cannot be replayed: ${alembicReads}`,
  'alembic/mistakes/versions/d400_add_project_style.py: engine-unsupported@17 -> round-trip@22': alembicReads,
  'alembic/mistakes/versions/f600_add_budget.py: engine-unsupported@17 -> up-runs@18': `an earlier revision cannot be replayed: ${initcap}`,
  'alembic/mistakes/versions/h800_capitalise_titles.py: engine-unsupported@18 -> clean': initcap,
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

/** `framework/set/file: default verdict -> real Postgres verdict` and why. Real Postgres is the reference: keep this empty. */
const knownPostgresDivergences: Record<string, string> = {};

const databaseUrl = process.env.DATABASE_URL;
const reachable = databaseUrl ? await canConnect(new URL(databaseUrl)) : false;
if (!reachable) {
  console.warn(`engines differential: the real-Postgres leg is skipped (${databaseUrl ? `${new URL(databaseUrl).host} is unreachable` : 'DATABASE_URL is unset'})`);
}

const { allRules } = await import('../rules/index.js');
const dynamicRules = new Set(allRules.filter((rule) => rule.meta.type === 'dynamic').map((rule) => rule.id));

type Verdicts = Map<string, string>;

/** Each reported file's dynamic findings, `rule@line` sorted, or `clean`. */
async function verdictsOf(set: FixtureSet, engine: { engine?: EngineName; fallback?: boolean; databaseUrl?: string }): Promise<Verdicts> {
  const paths = set.files.filter((file) => !file.endsWith('.down.sql'));
  const { results } = await lint({ cwd: set.dir, paths, all: set.all, staged: false, framework: set.framework, ...engine });
  const verdicts: Verdicts = new Map();
  for (const result of results) {
    const found = result.messages.filter((m) => m.ruleId && dynamicRules.has(m.ruleId)).map((m) => `${m.ruleId}@${m.line}`);
    verdicts.set(relative(set.dir, result.filePath), found.sort().join(',') || 'clean');
  }
  return verdicts;
}

function divergences(set: FixtureSet, from: Verdicts, to: Verdicts): string[] {
  const files = [...new Set([...from.keys(), ...to.keys()])].sort();
  return files
    .filter((file) => (from.get(file) ?? 'clean') !== (to.get(file) ?? 'clean'))
    .map((file) => `${set.framework}/${set.name}/${file}: ${from.get(file) ?? 'clean'} -> ${to.get(file) ?? 'clean'}`);
}

function listedFor(set: FixtureSet, list: Record<string, string>): string[] {
  return Object.keys(list)
    .filter((key) => key.startsWith(`${set.framework}/${set.name}/`))
    .sort();
}

// Every fixture set three times, PGlite included: the slowest test of the suite (about a minute a set on
// a loaded 2-core machine). One engine after the other: the static analysis (ts-morph) is not reentrant.
describe('pg-mem alone, the default and real Postgres give the same verdicts but for known pg-mem divergences', () => {
  for (const set of fixtureSets()) {
    it(`${set.framework}/${set.name}`, { timeout: 600_000 }, async () => {
      const alone = await verdictsOf(set, { engine: 'pg-mem', fallback: false });
      const confirmed = await verdictsOf(set, { engine: 'pg-mem' });
      const postgres = reachable ? await verdictsOf(set, { engine: 'postgres', databaseUrl }) : undefined;
      const pgMemDivergences = divergences(set, alone, confirmed);
      // Printed so the run says how often PGlite overturned pg-mem, and where.
      if (pgMemDivergences.length) console.info(`pg-mem alone vs confirmed:\n${pgMemDivergences.join('\n')}`);
      expect(pgMemDivergences).toEqual(listedFor(set, knownDivergences));
      if (postgres) expect(divergences(set, confirmed, postgres)).toEqual(listedFor(set, knownPostgresDivergences));
    });
  }
});

function canConnect(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false)).once('timeout', () => done(false));
    socket.connect(Number(url.port || 5432), url.hostname);
  });
}
