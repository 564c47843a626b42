import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

const knexCreateInvoices = `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('invoices'))) {
    await knex.schema.createTable('invoices', (table) => {
      table.increments('id');
      table.decimal('amount', 10, 2).notNullable();
      table.string('status', 20).notNullable().defaultTo('draft');
      table.check('amount >= 0', [], 'invoices_amount_check');
      table.text('memo');
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('invoices');
}
`;

const knexMigration = (up: string[], down: string[]) => `${knexHeader}
export async function up(knex: Knex): Promise<void> {
${up.map((sql) => `  await knex.raw(${JSON.stringify(sql)});`).join('\n')}
}

export async function down(knex: Knex): Promise<void> {
${down.map((sql) => `  await knex.raw(${JSON.stringify(sql)});`).join('\n')}
}
`;

const pgmCreateCustomers = `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('customers', { id: 'id', email: { type: 'text', notNull: true, unique: true }, legacy_code: { type: 'varchar(12)' } }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('customers', { ifExists: true });
}
`;

ruleTester.run('preserves-data', {
  valid: [
    {
      name: 'a guarded backfill of a new column (the old columns are untouched)',
      framework: 'knex',
      files: {
        '20240101120000_create_invoices.ts': knexCreateInvoices,
        '20240102120000_add_amount_cents.ts': knexMigration(
          ['ALTER TABLE invoices ADD COLUMN IF NOT EXISTS amount_cents bigint', 'UPDATE invoices SET amount_cents = (amount * 100)::bigint WHERE amount_cents IS NULL'],
          ['ALTER TABLE invoices DROP COLUMN IF EXISTS amount_cents'],
        ),
      },
    },
    {
      name: 'a dropped column restored by down from a kept copy',
      framework: 'knex',
      files: {
        '20240101120000_create_invoices.ts': knexCreateInvoices,
        '20240102120000_drop_memo.ts': knexMigration(
          ['CREATE TABLE IF NOT EXISTS invoice_memos AS SELECT id AS invoice_id, memo FROM invoices', 'ALTER TABLE invoices DROP COLUMN IF EXISTS memo'],
          [
            'ALTER TABLE invoices ADD COLUMN IF NOT EXISTS memo text',
            'UPDATE invoices SET memo = m.memo FROM invoice_memos m WHERE m.invoice_id = invoices.id',
            'DROP TABLE IF EXISTS invoice_memos',
          ],
        ),
      },
    },
    {
      name: 'a type change that loses nothing (varchar widened and narrowed back within its values)',
      framework: 'knex',
      files: {
        '20240101120000_create_invoices.ts': knexCreateInvoices,
        '20240102120000_widen_status.ts': knexMigration(
          ['ALTER TABLE invoices ALTER COLUMN status TYPE varchar(40)'],
          ['ALTER TABLE invoices ALTER COLUMN status TYPE varchar(20)'],
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'a lossy type change: the cents are rounded away',
      framework: 'knex',
      files: {
        '20240101120000_create_invoices.ts': knexCreateInvoices,
        '20240102120000_whole_amounts.ts': knexMigration(
          ['ALTER TABLE invoices ALTER COLUMN amount TYPE integer USING round(amount)::integer'],
          ['ALTER TABLE invoices ALTER COLUMN amount TYPE numeric(10, 2)'],
        ),
      },
      errors: [{ messageId: 'valuesLost', message: /invoices\.amount .*\.75' -> '\d+\.00'/, line: 7, severity: 2 }],
    },
    {
      name: 'a column dropped, then re-added empty by down',
      framework: 'knex',
      files: {
        '20240101120000_create_invoices.ts': knexCreateInvoices,
        '20240102120000_drop_memo.ts': knexMigration(['ALTER TABLE invoices DROP COLUMN IF EXISTS memo'], ['ALTER TABLE invoices ADD COLUMN IF NOT EXISTS memo text']),
      },
      errors: [{ messageId: 'valuesLost', message: /invoices\.memo .*-> NULL/, line: 7 }],
    },
    {
      name: 'a truncating backfill',
      framework: 'knex',
      files: {
        '20240101120000_create_invoices.ts': knexCreateInvoices,
        '20240102120000_short_memos.ts': knexMigration(
          ['UPDATE invoices SET memo = left(memo, 10)', 'ALTER TABLE invoices ALTER COLUMN memo TYPE varchar(10)'],
          ['ALTER TABLE invoices ALTER COLUMN memo TYPE text'],
        ),
      },
      errors: [{ messageId: 'valuesLost', message: /invoices\.memo/, line: 8 }],
    },
    {
      name: 'an irreversible up that drops a column holding rows is a warning',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-customers.ts': pgmCreateCustomers,
        '1700000000001_drop-legacy-code.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('customers', ['legacy_code'], { ifExists: true });
}

export const down = false;
`,
      },
      errors: [{ messageId: 'destructive', message: /column customers\.legacy_code/, line: 3, severity: 1 }],
    },
  ],
});
