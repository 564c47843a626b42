import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

const knexCreateUsers = `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
    table.string('email').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`;

/** A knex migration adding `nickname` to `table`, guarded so only the table's existence matters. */
const knexAddNickname = (table: string) => `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS nickname text');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE ${table} DROP COLUMN IF EXISTS nickname');
}
`;

const pgmCreateUsers = `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', { id: 'id', email: { type: 'text', notNull: true } }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('users', { ifExists: true });
}
`;

const pgmAddNickname = (table: string) => `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('${table}', { nickname: { type: 'text' } }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('${table}', ['nickname'], { ifExists: true });
}
`;

const dbmateAddNickname = (table: string) => `-- migrate:up
ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS nickname text;

-- migrate:down
ALTER TABLE ${table} DROP COLUMN IF EXISTS nickname;
`;

const dbmateCreateUsers = `-- migrate:up
CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY, email text NOT NULL);

-- migrate:down
DROP TABLE IF EXISTS users;
`;

ruleTester.run('up-runs', {
  valid: [
    {
      name: 'alters the table an earlier migration created',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': knexCreateUsers,
        '20240102120000_add_nickname.ts': knexAddNickname('users'),
      },
    },
    {
      name: 'alters the table an earlier migration created',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': pgmCreateUsers,
        '1700000000001_add-nickname.ts': pgmAddNickname('users'),
      },
    },
    {
      name: 'alters the table an earlier migration created',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);\n',
        '001_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
        '002_add_nickname.up.sql': 'ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;\n',
        '002_add_nickname.down.sql': 'ALTER TABLE users DROP COLUMN IF EXISTS nickname;\n',
      },
    },
    {
      name: 'alters the table an earlier migration created',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': dbmateCreateUsers,
        '20240102120000_add_nickname.sql': dbmateAddNickname('users'),
      },
    },
  ],
  invalid: [
    {
      name: 'alters a table no earlier migration created',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': knexCreateUsers,
        '20240102120000_add_nickname.ts': knexAddNickname('accounts'),
      },
      errors: [{ messageId: 'fails', message: /accounts/, line: 4 }],
    },
    {
      name: 'alters a table no earlier migration created',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': pgmCreateUsers,
        '1700000000001_add-nickname.ts': pgmAddNickname('accounts'),
      },
      errors: [{ messageId: 'fails', message: /accounts/, line: 4 }],
    },
    {
      name: 'alters a table no earlier migration created',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);\n',
        '001_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
        '002_add_nickname.up.sql': '-- nicknames for the profile page\nALTER TABLE accounts ADD COLUMN IF NOT EXISTS nickname text;\n',
        '002_add_nickname.down.sql': 'ALTER TABLE IF EXISTS accounts DROP COLUMN IF EXISTS nickname;\n',
      },
      errors: [{ messageId: 'fails', message: /accounts/, line: 2, file: '002_add_nickname.up.sql' }],
    },
    {
      name: 'alters a table no earlier migration created',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': dbmateCreateUsers,
        '20240102120000_add_nickname.sql': dbmateAddNickname('accounts'),
      },
      errors: [{ messageId: 'fails', message: /accounts/, line: 2 }],
    },
  ],
});
