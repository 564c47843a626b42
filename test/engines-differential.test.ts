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
import { fixtureSets, isDownHalf, type FixtureSet } from './fixture-sets.js';

/** `framework/set/file: verdict on pg-mem alone -> verdict confirmed` and why they differ. */
// Every one is pg-mem saying "engine-unsupported" (a warning) where PGlite, real Postgres, gives the
// verdict: none is pg-mem failing a migration that Postgres runs, which would be a false finding.
const plpgsql = 'pg-mem has no plpgsql: DO blocks and plpgsql functions run on PGlite';
const replayPlpgsql = 'an earlier migration of the set uses plpgsql, so pg-mem cannot replay up to this one';
const dropSchema = 'pg-mem cannot parse DROP SCHEMA … CASCADE';
const views = 'pg-mem implements neither CREATE OR REPLACE VIEW nor DROP VIEW';
const alembicReads = 'pg-mem cannot run a revision that reads the database (op.get_bind(), an inspector)';
const initcap = 'pg-mem has no initcap()';
const quoteIdent = "pg-mem has no quote_ident(), which TypeORM's QueryRunner look-ups (hasColumn, getTable, addColumn…) call";
const replayQuoteIdent = `an earlier migration of the set goes through TypeORM's QueryRunner look-ups: ${quoteIdent}`;
const namedCheck = "pg-mem ignores part of a CREATE TABLE with a named CHECK (knex's table.check), and its AST-coverage check refuses it";
const replayNamedCheck = `an earlier migration cannot be replayed: ${namedCheck}`;
const sequelizeEnum = "pg-mem fails inside Sequelize's ENUM type look-up (a crash in pg-mem, not an SQL error)";
const replaySequelizeEnum = `an earlier migration cannot be replayed: ${sequelizeEnum}`;
const concurrentlyInTransaction = 'pg-mem accepts CREATE INDEX CONCURRENTLY inside a transaction, which Postgres refuses: such statements go to PGlite';
const pgIndexes = 'pg-mem has no pg_indexes view';
const textConcat = 'pg-mem concatenates text with text only; Postgres concatenates text with any value (text || integer)';
const alterTypeUsing = 'pg-mem cannot parse ALTER COLUMN … TYPE … USING';
const substrVarchar = 'pg-mem has no substr() on varchar';
const knownDivergences: Record<string, string> = {
  'diesel/mistakes/2024-03-01-080000_index_invoices_total/up.sql: engine-unsupported@2 -> up-runs@2': concurrentlyInTransaction,
  'alembic/data/versions/d400_round_totals.py: engine-unsupported@17 -> idempotent-up@20': alembicReads,
  'alembic/data/versions/e500_seed_plans.py: engine-unsupported@20 -> clean': alembicReads,
  'dbmate/data/20240602090000_total_in_thousandths.sql: engine-unsupported@2 -> idempotent-down@5,idempotent-up@2': alterTypeUsing,
  'dbmate/data/20240603090000_seed_currencies.sql: engine-unsupported@1 -> clean': `an earlier migration cannot be replayed: ${alterTypeUsing}`,
  'golang-migrate/data/000002_prefix_handles.down.sql: engine-unsupported@1 -> clean': substrVarchar,
  'knex/data/20240601090300_welcome_credits.ts: idempotent-down@8,idempotent-up@4,preserves-data@7 -> idempotent-down@8,idempotent-up@4':
    'pg-mem evaluates `"credits" - $1` (knex binds the amount of decrement) as the negated column plus the amount: a false preserves-data',
  'sequelize/data/20240601090200-handles-with-at.cjs: engine-unsupported@10,idempotent-up@6 -> idempotent-up@6': substrVarchar,
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
  'knex/deeper/20240501090100_create_invoices.ts: engine-unsupported@5 -> clean': namedCheck,
  'knex/deeper/20240501090200_amounts_in_whole_units.ts: engine-unsupported@4 -> preserves-data@8': replayNamedCheck,
  'knex/deeper/20240501090300_drop_invoice_memo.ts: engine-unsupported@3 -> preserves-data@12': replayNamedCheck,
  'knex/deeper/20240501090400_archive_customer_notes.ts: engine-unsupported@4 -> clean': replayNamedCheck,
  'knex/deeper/20240501090500_add_customer_email_domain.ts: engine-unsupported@4 -> clean': replayNamedCheck,
  'knex/deeper/20240501090600_create_payments.ts: engine-unsupported@6 -> resumable-up@6': replayNamedCheck,
  'knex/deeper/20240501090700_index_invoice_status.ts: engine-unsupported@6 -> clean': replayNamedCheck,
  // Two where pg-mem alone (--no-fallback) reports what Postgres does not: the default re-checks both on PGlite.
  'kysely/clean/2024_02_01_090400_create_order_status.ts: idempotent-up@10 -> clean':
    "pg-mem's pg_type does not list the enum types it creates, so the migration's own pg_type check misses the type on the second run",
  'kysely/clean/2024_02_01_090600_order_totals_view.ts: engine-unsupported@17,engine-unsupported@5 -> clean': views,
  'kysely/clean/2024_02_01_090800_create_audit_events.ts: engine-unsupported@20 -> clean': dropSchema,
  'kysely/clean/2024_02_01_090900_add_memberships_invited_by.ts: round-trip@11,round-trip@4 -> clean':
    'pg-mem keeps a foreign key when its column is dropped; Postgres drops it with the column',
  'mikro-orm/clean/Migration20240115093545_publishers.ts: engine-unsupported@6 -> clean': plpgsql,
  'mikro-orm/clean/Migration20240116101520_books.ts: engine-unsupported@5 -> clean': replayPlpgsql,
  'mikro-orm/clean/Migration20240120140233_book_tags.ts: engine-unsupported@5 -> clean': replayPlpgsql,
  'mikro-orm/clean/Migration20240202083010_author_bio.ts: engine-unsupported@5 -> clean': replayPlpgsql,
  'mikro-orm/clean/Migration20240210121500_book_search.ts: engine-unsupported@5 -> clean': replayPlpgsql,
  'mikro-orm/clean/Migration20240301094500_author_stats_view.ts: engine-unsupported@5 -> clean': replayPlpgsql,
  'mikro-orm/clean/Migration20240315160000_book_isbn.ts: engine-unsupported@5 -> clean': replayPlpgsql,
  'mikro-orm/clean/Migration20240402110000_publisher_country.cjs: engine-unsupported@8 -> clean': replayPlpgsql,
  'mikro-orm/clean/Migration20240418090000_book_slug_concurrently.ts: engine-unsupported@10 -> clean': replayPlpgsql,
  'mikro-orm/concurrently/Migration20240507140000_post_title_index.ts: engine-unsupported@6 -> up-runs@6': concurrentlyInTransaction,
  'mikro-orm/mistakes/Migration20240506090000_user_email_index.ts: engine-unsupported@17 -> clean': pgIndexes,
  'mikro-orm/mistakes/Migration20240507110000_post_author.ts: engine-unsupported@5 -> up-runs@7': `an earlier migration cannot be replayed: ${pgIndexes}`,
  'node-pg-migrate/deeper/1714550400400_add-transfer-note.ts: engine-unsupported@6 -> clean': textConcat,
  'node-pg-migrate/deeper/1714550400500_index-transfers.ts: engine-unsupported@4 -> clean': `an earlier migration cannot be replayed: ${textConcat}`,
  'sequelize/clean/20240105090500-create-invoices.cjs: engine-unsupported@7 -> clean': plpgsql,
  'sequelize/clean/20240105090600-rename-projects-title.cjs: engine-unsupported@5 -> clean': replayPlpgsql,
  'sequelize/clean/20240105090700-project-summary-view.cjs: engine-unsupported@5 -> clean': replayPlpgsql,
  'sequelize/clean/20240105090800-add-users-last-seen.ts: engine-unsupported@6 -> clean': replayPlpgsql,
  'sequelize/clean/20240105090900-create-audit-events.cjs: engine-unsupported@5 -> clean': replayPlpgsql,
  'sequelize/mistakes/20240210100100-create-customers.cjs: engine-unsupported@6 -> round-trip@17': sequelizeEnum,
  'sequelize/mistakes/20240210100200-add-customers-phone.cjs: engine-unsupported@5 -> idempotent-down@13,idempotent-up@6': replaySequelizeEnum,
  'sequelize/mistakes/20240210100300-create-orders.cjs: engine-unsupported@5 -> clean': replaySequelizeEnum,
  'sequelize/mistakes/20240210100400-index-orders-placed-at.cjs: engine-unsupported@5 -> idempotent-up@6': replaySequelizeEnum,
  'sequelize/mistakes/20240210100500-add-orders-notes.cjs: engine-unsupported@10 -> clean': replaySequelizeEnum,
  'sequelize/mistakes/20240210100600-customers-email-unique.ts: engine-unsupported@5 -> idempotent-down@14,idempotent-up@6': replaySequelizeEnum,
  'typeorm/clean/1700000000000-CreateOrganisations.ts: engine-unsupported@19 -> clean': quoteIdent,
  'typeorm/clean/1700000200000-AddUsersDisplayName.ts: engine-unsupported@6 -> clean': quoteIdent,
  'typeorm/clean/1700000300000-CreateProjects.cjs: engine-unsupported@8 -> clean': replayQuoteIdent,
  'typeorm/clean/1700000400000-ProjectStatus.ts: engine-unsupported@4 -> clean': replayQuoteIdent,
  'typeorm/clean/1700000500000-CreateTasks.ts: engine-unsupported@4 -> clean': replayQuoteIdent,
  'typeorm/clean/1700000600000-IndexTasksDueOn.ts: engine-unsupported@7 -> clean': replayQuoteIdent,
  'typeorm/clean/1700000700000-ProjectSummaryView.ts: engine-unsupported@4 -> clean': replayQuoteIdent,
  'typeorm/clean/1700000800000-AddTasksEstimate.ts: engine-unsupported@4 -> clean': replayQuoteIdent,
  'typeorm/clean/1700000900000-RenameUsersDisplayName.ts: engine-unsupported@4 -> clean': replayQuoteIdent,
  'typeorm/mistakes/1710000200000-AddInvoicesNotes.ts: engine-unsupported@6 -> clean': quoteIdent,
  'typeorm/mistakes/1710000300000-AddAccountsPlan.ts: engine-unsupported@4 -> idempotent-up@5': replayQuoteIdent,
  'typeorm/mistakes/1710000400000-CreatePayments.ts: engine-unsupported@4 -> round-trip@21': replayQuoteIdent,
  'typeorm/mistakes/1710000600000-CreateAuditLog.ts: engine-unsupported@8 -> clean': replayQuoteIdent,
  'typeorm/mistakes/1710000800000-RenameInvoicesAmount.ts: engine-unsupported@4 -> idempotent-down@11': replayQuoteIdent,
  'typeorm/mistakes/1710000900000-IndexInvoicesIssuedAt.ts: engine-unsupported@4 -> up-runs@5': replayQuoteIdent,
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
  const paths = set.files.filter((file) => !isDownHalf(file));
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
