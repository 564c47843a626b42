import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

/** A knex migration creating users, with `dropCall` as its down. */
const knexUsers = (dropCall: string) => `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.${dropCall}('users');
}
`;

const pgmUsers = (dropOptions: string) => `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', { id: 'id' }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('users'${dropOptions});
}
`;

const dbmateUsers = (drop: string) => `-- migrate:up
CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);

-- migrate:down
${drop};
`;

const invoices = `-- migrate:up
CREATE TABLE IF NOT EXISTS invoices (id serial PRIMARY KEY, total integer NOT NULL, in_thousandths boolean NOT NULL DEFAULT false);

-- migrate:down
DROP TABLE IF EXISTS invoices;
`;

/** A dbmate migration converting totals to thousandths once (it marks the rows it did), with `down` as its down. */
const thousandths = (down: string) => `-- migrate:up
UPDATE invoices SET total = total * 1000, in_thousandths = true WHERE NOT in_thousandths;

-- migrate:down
${down}
`;

ruleTester.run('idempotent-down', {
  valid: [
    {
      name: 'a down that converts back only the rows still converted',
      framework: 'dbmate',
      files: {
        '20240101120000_create_invoices.sql': invoices,
        '20240102120000_thousandths.sql': thousandths('UPDATE invoices SET total = total / 1000, in_thousandths = false WHERE in_thousandths;'),
      },
    },
    { name: 'dropTableIfExists', framework: 'knex', files: { '20240101120000_create_users.ts': knexUsers('dropTableIfExists') } },
    { name: 'dropTable with ifExists', framework: 'node-pg-migrate', files: { '1700000000000_create-users.ts': pgmUsers(', { ifExists: true }') } },
    {
      name: 'DROP TABLE IF EXISTS',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);\n',
        '001_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
      },
    },
    { name: 'DROP TABLE IF EXISTS', framework: 'dbmate', files: { '20240101120000_create_users.sql': dbmateUsers('DROP TABLE IF EXISTS users') } },
  ],
  invalid: [
    {
      name: 'a down that divides again on every run',
      framework: 'dbmate',
      files: {
        '20240101120000_create_invoices.sql': invoices,
        '20240102120000_thousandths.sql': thousandths('UPDATE invoices SET total = total / 1000, in_thousandths = false;'),
      },
      errors: [{ messageId: 'changesAgain', message: /down is not idempotent: a second run changed invoices\.total again in 2 of 4 rows \(id 2: 114 → 0\)/, line: 5 }],
    },
    {
      name: 'dropTable fails when the table is already gone',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexUsers('dropTable') },
      errors: [{ messageId: 'fails', message: /users/, line: 10 }],
    },
    {
      name: 'dropTable without ifExists fails when the table is already gone',
      framework: 'node-pg-migrate',
      files: { '1700000000000_create-users.ts': pgmUsers('') },
      errors: [{ messageId: 'fails', message: /users/, line: 8 }],
    },
    {
      name: 'DROP TABLE without IF EXISTS fails when the table is already gone',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);\n',
        '001_create_users.down.sql': '-- users goes, and every row in it\nDROP TABLE users;\n',
      },
      errors: [{ messageId: 'fails', message: /users/, line: 2 }],
    },
    {
      name: 'DROP TABLE without IF EXISTS fails when the table is already gone',
      framework: 'dbmate',
      files: { '20240101120000_create_users.sql': dbmateUsers('DROP TABLE users') },
      errors: [{ messageId: 'fails', message: /users/, line: 5 }],
    },
  ],
});
