import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

ruleTester.run('require-down', {
  valid: [
    {
      name: 'up and down exported',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`,
      },
    },
    {
      name: 'no down, every operation reversible: node-pg-migrate derives it',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', {
    id: 'id',
    email: { type: 'text', notNull: true },
  });
  pgm.createIndex('users', 'email');
}
`,
      },
    },
    {
      name: 'pgm.sql in up with a written down',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY)');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE IF EXISTS users');
}
`,
      },
    },
    {
      name: 'a .down.sql next to the .up.sql',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);\n',
        '001_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
      },
    },
    {
      name: 'a migrate:down section',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);

-- migrate:down
DROP TABLE IF EXISTS users;
`,
      },
    },
    {
      name: 'an irreversible migration disabled for the whole file, with a reason',
      framework: 'dbmate',
      files: {
        '20240101120000_drop_legacy.sql': `-- migrate:up
-- rollsafe-disable require-down -- the legacy audit table is archived to S3 before this runs
DROP TABLE IF EXISTS legacy_audit;
`,
      },
      problems: [],
    },
  ],
  invalid: [
    {
      name: 'no down export',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}
`,
      },
      errors: [{ messageId: 'missing', line: 1 }],
    },
    {
      name: 'pgm.sql in up and no down: node-pg-migrate cannot derive it',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY)');
}
`,
      },
      errors: [{ messageId: 'notDerivable', message: /pgm\.sql/, line: 1 }],
    },
    {
      name: 'down = false',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', { id: 'id' }, { ifNotExists: true });
}

export const down = false;
`,
      },
      errors: [{ messageId: 'disabled', line: 7 }],
    },
    {
      name: 'no .down.sql',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);\n',
      },
      errors: [{ messageId: 'missing', line: 1 }],
    },
    {
      name: 'no migrate:down section',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);
`,
      },
      errors: [{ messageId: 'missing', line: 1 }],
    },
  ],
});
