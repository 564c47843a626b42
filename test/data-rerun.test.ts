// The data fixture sets (test/fixtures/<framework>/data): each non-idempotent data change is reported
// with its table, how many rows and one example, on the line that writes it; the idempotent forms
// (ON CONFLICT DO NOTHING, WHERE NOT EXISTS, WHERE … IS NULL, onConflict().ignore(), orIgnore(),
// ignoreDuplicates, on_conflict_do_nothing()) give nothing. expected.json holds the full verdicts.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { fixtureSets } from './fixture-sets.js';

const inserted = (count: number, table: string, example: string) => `up is not idempotent: a second run inserted ${count} more ${count === 1 ? 'row' : 'rows'} into ${table} (${example})`;
const changed = (direction: 'up' | 'down', column: string, count: string, example: string) =>
  `${direction} is not idempotent: a second run changed ${column} again in ${count} rows (${example})`;

/** Per set, `file:line rule` -> the message, for every idempotent-up / idempotent-down finding. */
const expected: Record<string, Record<string, string>> = {
  knex: {
    '20240601090100_seed_roles.ts:5 idempotent-up': inserted(3, 'roles', "name = 'admin', …"),
    '20240601090300_welcome_credits.ts:4 idempotent-up': changed('up', 'accounts.credits', '4 of 4', 'id 1: 112 → 117'),
    '20240601090300_welcome_credits.ts:8 idempotent-down': changed('down', 'accounts.credits', '4 of 4', 'id 1: 107 → 102'),
    // The fourth generated row holds NULL, which * 1000 leaves NULL.
    '20240601090400_totals_in_thousandths.ts:4 idempotent-up': changed('up', 'accounts.total', '3 of 4', 'id 1: 107000 → 107000000'),
    '20240601090400_totals_in_thousandths.ts:8 idempotent-down': changed('down', 'accounts.total', '3 of 4', 'id 1: 107 → 0'),
  },
  'node-pg-migrate': {
    '1717200000100_invoice-totals-in-thousandths.ts:4 idempotent-up': changed('up', 'invoices.total', '4 of 4', 'id 1: 107000 → 107000000'),
    '1717200000100_invoice-totals-in-thousandths.ts:8 idempotent-down': changed('down', 'invoices.total', '4 of 4', 'id 1: 107 → 0'),
    // No primary key: compared as a multiset, the now() default of the new row aside.
    '1717200000200_note-the-upgrade.ts:5 idempotent-up': inserted(1, 'audit_events', "kind = 'schema-upgrade', …"),
  },
  typeorm: {
    '1717300100000-BumpCounters.ts:7 idempotent-up': changed('up', 'counters.n', '4 of 4', 'id 1: 108 → 109'),
    '1717300100000-BumpCounters.ts:11 idempotent-down': changed('down', 'counters.n', '4 of 4', 'id 1: 107 → 106'),
    '1717300200000-SeedPlans.ts:9 idempotent-up': inserted(2, 'plans', "name = 'free', …"),
  },
  kysely: {
    '2024_06_01_090100_signup_bonus.ts:5 idempotent-up': changed('up', 'wallets.balance', '4 of 4', 'id 1: 112 → 117'),
    '2024_06_01_090100_signup_bonus.ts:12 idempotent-down': changed('down', 'wallets.balance', '4 of 4', 'id 1: 107 → 102'),
    '2024_06_01_090200_record_release.ts:4 idempotent-up': inserted(1, 'releases', "version = '2024.6', …"),
  },
  sequelize: {
    '20240601090100-prices-in-cents.cjs:6 idempotent-up': changed('up', 'products.price', '4 of 4', 'id 1: 10700 → 1070000'),
    '20240601090100-prices-in-cents.cjs:10 idempotent-down': changed('down', 'products.price', '4 of 4', 'id 1: 107 → 1'),
    '20240601090200-handles-with-at.cjs:6 idempotent-up': changed('up', 'users.handle', '4 of 4', "id 1: '@1-handle-kept-abcdefghijklmn…' → '@@1-handle-kept-abcdefghijklm…'"),
    '20240601090300-log-price-changes.cjs:6 idempotent-up': inserted(2, 'price_changes', "sku = 'TEA-01', price = 450"),
  },
  'mikro-orm': {
    'Migration20240602090000_invoice_thousandths.ts:6 idempotent-up': changed('up', 'invoice.total', '4 of 4', 'id 1: 107000 → 107000000'),
    'Migration20240602090000_invoice_thousandths.ts:10 idempotent-down': changed('down', 'invoice.total', '4 of 4', 'id 1: 107 → 0'),
    'Migration20240603090000_queue_reindex.ts:6 idempotent-up': inserted(1, 'job', "name = 'reindex-search', …"),
  },
  'golang-migrate': {
    '000002_prefix_handles.up.sql:2 idempotent-up': changed('up', 'users.handle', '4 of 4', "id 1: '@1-handle-kept-abcdefghijklmn…' → '@@1-handle-kept-abcdefghijklm…'"),
    '000003_seed_permissions.up.sql:1 idempotent-up': inserted(2, 'permissions', "code = 'read', description = 'Read documents'"),
  },
  dbmate: {
    // ALTER COLUMN … TYPE … USING rewrites every value: run twice, it converts twice.
    '20240602090000_total_in_thousandths.sql:2 idempotent-up': changed('up', 'invoices.total', '4 of 4', 'id 1: 107000 → 107000000'),
    '20240602090000_total_in_thousandths.sql:5 idempotent-down': changed('down', 'invoices.total', '4 of 4', 'id 1: 107 → 0'),
  },
  alembic: {
    'b200_seed_permissions.py:20 idempotent-up': inserted(3, 'permissions', "code = 'read', …"),
    'c300_totals_in_thousandths.py:17 idempotent-up': changed('up', 'invoices.total', '4 of 4', 'id 1: 107000 → 107000000'),
    'c300_totals_in_thousandths.py:21 idempotent-down': changed('down', 'invoices.total', '4 of 4', 'id 1: 107 → 0'),
    // Online (op.get_bind()): the loop over the selected rows writes nothing while the table is empty.
    'd400_round_totals.py:20 idempotent-up': changed('up', 'invoices.total', '4 of 4', 'id 1: 207 → 307'),
  },
};

describe('a second run that inserts, deletes or changes rows again is reported with the table, the count and an example', () => {
  for (const set of fixtureSets().filter((s) => s.name === 'data')) {
    it(`${set.framework}/data`, { timeout: 300_000 }, async () => {
      const paths = set.files.filter((file) => !file.endsWith('.down.sql'));
      const { results } = await lint({ cwd: set.dir, paths, all: false, staged: false, framework: set.framework });
      const actual: Record<string, string> = {};
      for (const result of results) {
        for (const m of result.messages) {
          if (m.ruleId === 'idempotent-up' || m.ruleId === 'idempotent-down') actual[`${basename(result.filePath)}:${m.line} ${m.ruleId}`] = m.message;
        }
      }
      expect(actual).toEqual(expected[set.framework]);
    });
  }
});
