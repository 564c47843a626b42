import { ruleTester } from '../test/rule-tester.js';

const knexAccounts = (body: string) => `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
${body}
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('accounts');
}
`;

const typeormThings = (index: string) => `import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateThings1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`CREATE TABLE IF NOT EXISTS "things" ("id" SERIAL PRIMARY KEY)\`);
    ${index}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`DROP TABLE IF EXISTS "things"\`);
  }
}
`;

const kyselyItems = `import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('items').ifNotExists().addColumn('id', 'serial', (c) => c.primaryKey()).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('items').ifExists().execute();
}
`;

const kyselyView = (drop: string) => `import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createView('item_ids').orReplace().as(db.selectFrom('items').select('id')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  ${drop}
}
`;

ruleTester.run('floating-query', {
  valid: [
    {
      name: 'awaits the query after the builder',
      framework: 'knex',
      files: {
        '20240101120000_accounts.ts': knexAccounts(`  await knex.schema.createTableIfNotExists('accounts', (table) => {
    table.increments('id');
  });
  await knex.raw('create index if not exists accounts_id_idx on accounts (id)');`),
      },
    },
    {
      name: 'returns the builder instead of awaiting it',
      framework: 'knex',
      files: {
        '20240101120000_accounts.ts': `import type { Knex } from 'knex';

export function up(knex: Knex) {
  return knex.schema.createTableIfNotExists('accounts', (table) => {
    table.increments('id');
  });
}

export function down(knex: Knex) {
  return knex.schema.dropTableIfExists('accounts');
}
`,
      },
    },
    {
      name: 'raws embedded in other queries (defaults, selects, where, from, bindings) are sent with them',
      framework: 'knex',
      files: {
        '20240101120000_accounts.ts': knexAccounts(`  await knex.schema.createTableIfNotExists('accounts', (table) => {
    table.increments('id');
    table.timestamp('created_at').defaultTo(knex.raw('now()'));
  });
  await knex('accounts').insert({ created_at: knex.raw('?', [knex.raw('now()')]) });
  await knex.select(knex.raw('count(*) as n')).fromRaw(knex.raw('accounts a')).whereRaw(knex.raw('a.id > ?', [0]));
  const sql = knex.raw('select 1').toString();
  await knex.raw(sql);`),
      },
    },
    {
      name: 'awaits every queryRunner.query',
      framework: 'typeorm',
      files: { '1700000000000-CreateThings.ts': typeormThings('await queryRunner.query(`CREATE INDEX IF NOT EXISTS "things_id_idx" ON "things" ("id")`);') },
    },
    {
      name: 'awaits the drop',
      framework: 'kysely',
      files: {
        '2024_01_01_120000_items.ts': kyselyItems,
        '2024_01_02_120000_item_ids.ts': kyselyView(`await db.schema.dropView('item_ids').ifExists().execute();`),
      },
    },
  ],
  invalid: [
    {
      name: 'knex.raw(…).then(…) inside a createTable callback',
      framework: 'knex',
      files: {
        '20240101120000_accounts.ts': knexAccounts(`  await knex.schema.createTableIfNotExists('accounts', (table) => {
    table.increments('id');
    knex.raw('create index if not exists accounts_id_idx on accounts (id)').then(() => undefined);
  });`),
      },
      errors: [{ messageId: 'after', message: /accounts_id_idx/, line: 6 }],
    },
    {
      name: 'queryRunner.query without await',
      framework: 'typeorm',
      files: { '1700000000000-CreateThings.ts': typeormThings('queryRunner.query(`CREATE INDEX IF NOT EXISTS "things_id_idx" ON "things" ("id")`);') },
      errors: [{ messageId: 'after', message: /things_id_idx/, line: 6 }],
    },
    {
      name: 'dropView(…).execute() without await in down',
      framework: 'kysely',
      files: {
        '2024_01_01_120000_items.ts': kyselyItems,
        '2024_01_02_120000_item_ids.ts': kyselyView(`db.schema.dropView('item_ids').ifExists().execute();`),
      },
      errors: [{ messageId: 'after', message: /drop view if exists "item_ids"/, line: 8 }],
    },
    {
      name: 'knex.raw(…) built and never run (no await, no .then)',
      framework: 'knex',
      files: {
        '20240101120000_accounts.ts': knexAccounts(`  await knex.schema.createTableIfNotExists('accounts', (table) => {
    table.increments('id');
  });
  knex.raw('alter table accounts drop constraint if exists accounts_id_unique');`),
      },
      errors: [{ messageId: 'neverRun', message: /knex\.raw/, line: 7 }],
    },
    {
      name: 'a query not awaited that fails, with nothing to handle it',
      framework: 'knex',
      files: {
        '20240101120000_accounts.ts': knexAccounts(`  await knex.schema.createTableIfNotExists('accounts', (table) => {
    table.increments('id');
  });
  void knex.raw('create index accounts_id_idx on no_such_table (id)').then(() => undefined);`),
      },
      errors: [{ messageId: 'rejected', message: /no_such_table/, line: 7 }],
    },
  ],
});
