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

ruleTester.run('idempotent-down', {
  valid: [
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
