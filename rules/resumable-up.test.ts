import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

const knexCreateInvoices = `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('invoices'))) {
    await knex.schema.createTable('invoices', (table) => {
      table.increments('id');
      table.string('status', 20).notNullable();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('invoices');
}
`;

/** A payments table and its index, outside a transaction unless `transaction`; `guard` decides how up is guarded. */
const knexPayments = (guard: 'early-return' | 'per-statement', transaction = false) => `${knexHeader}
export const config = { transaction: ${transaction} };

export async function up(knex: Knex): Promise<void> {
${
  guard === 'early-return'
    ? `  if (await knex.schema.hasTable('payments')) return;
  await knex.schema.createTable('payments', (table) => {
    table.increments('id');
    table.integer('invoice_id').notNullable();
  });`
    : `  if (!(await knex.schema.hasTable('payments'))) {
    await knex.schema.createTable('payments', (table) => {
      table.increments('id');
      table.integer('invoice_id').notNullable();
    });
  }`
}
  await knex.raw('CREATE INDEX${transaction ? '' : ' CONCURRENTLY'} IF NOT EXISTS payments_invoice_id_idx ON payments (invoice_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS payments_invoice_id_idx');
  await knex.schema.dropTableIfExists('payments');
}
`;

const pgmCreateInvoices = `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('invoices', { id: 'id', status: { type: 'text', notNull: true } }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('invoices', { ifExists: true });
}
`;

/** Indexes invoices.status concurrently, then adds a column; `guarded` puts IF NOT EXISTS on the index. */
const pgmIndexStatus = (guarded: boolean) => `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.noTransaction();
  pgm.createIndex('invoices', 'status', { name: 'invoices_status_idx', concurrently: true${guarded ? ', ifNotExists: true' : ''} });
  pgm.addColumns('invoices', { paid_at: { type: 'timestamptz' } }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('invoices', ['paid_at'], { ifExists: true });
  pgm.dropIndex('invoices', 'status', { name: 'invoices_status_idx', ifExists: true });
}
`;

ruleTester.run('resumable-up', {
  valid: [
    {
      name: 'every statement of a non-transactional up guards itself',
      framework: 'knex',
      files: { '20240101120000_create_invoices.ts': knexCreateInvoices, '20240102120000_create_payments.ts': knexPayments('per-statement') },
    },
    {
      name: 'a guard that returns early is harmless inside a transaction (a crash rolls everything back)',
      framework: 'knex',
      files: { '20240101120000_create_invoices.ts': knexCreateInvoices, '20240102120000_create_payments.ts': knexPayments('early-return', true) },
    },
    {
      name: 'noTransaction with IF NOT EXISTS on each statement',
      framework: 'node-pg-migrate',
      files: { '1700000000000_create-invoices.ts': pgmCreateInvoices, '1700000000001_index-status.ts': pgmIndexStatus(true) },
    },
  ],
  invalid: [
    {
      name: 'a guard at the top returns early after a crash between the table and its index',
      framework: 'knex',
      files: { '20240101120000_create_invoices.ts': knexCreateInvoices, '20240102120000_create_payments.ts': knexPayments('early-return') },
      errors: [{ messageId: 'stuckAfterStop', message: /statement 1 of 2 \(`create table "payments".*index payments_invoice_id_idx is never created/, line: 5 }],
    },
    {
      name: 'a guard on the last object lets a re-run repeat the unguarded index, which fails',
      framework: 'knex',
      files: {
        '20240101120000_create_invoices.ts': knexCreateInvoices,
        '20240102120000_index_status.ts': `${knexHeader}
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  if (await knex.schema.hasColumn('invoices', 'paid_at')) return;
  await knex.raw('CREATE INDEX CONCURRENTLY invoices_status_idx ON invoices (status)');
  await knex.raw('ALTER TABLE invoices ADD COLUMN paid_at timestamptz');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE invoices DROP COLUMN IF EXISTS paid_at');
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS invoices_status_idx');
}
`,
      },
      errors: [{ messageId: 'failsAfterStop', message: /statement 1 of 2 \(`CREATE INDEX CONCURRENTLY invoices_status_idx.*already exists/, line: 7 }],
    },
  ],
});
