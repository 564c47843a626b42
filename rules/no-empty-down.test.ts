import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

const knexUp = `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}
`;

ruleTester.run('no-empty-down', {
  valid: [
    {
      name: 'a down that drops what up created',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexUp}
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`,
      },
    },
    {
      name: 'no down at all is require-down’s business, not this rule’s',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexUp },
    },
    {
      name: 'an automatic down (omitted, derived by node-pg-migrate)',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', { id: 'id' }, { ifNotExists: true });
}
`,
      },
    },
    {
      name: 'a .down.sql with a statement after its comment',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);\n',
        '001_create_users.down.sql': '-- everything in users goes with it\nDROP TABLE IF EXISTS users;\n',
      },
    },
    {
      name: 'a migrate:down section with a statement',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);

-- migrate:down
DROP TABLE IF EXISTS users;
`,
      },
    },
  ],
  invalid: [
    {
      name: 'an empty down function',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexUp}
export async function down(): Promise<void> {}
`,
      },
      errors: [{ messageId: 'empty', line: 9 }],
    },
    {
      name: 'a down with only a comment',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexUp}
export async function down(knex: Knex): Promise<void> {
  // TODO: drop users once nothing reads it
}
`,
      },
      errors: [{ messageId: 'empty', line: 9 }],
    },
    {
      name: 'an empty down function beside a reversible up',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', { id: 'id' }, { ifNotExists: true });
}

export async function down(): Promise<void> {
  return;
}
`,
      },
      errors: [{ messageId: 'empty', line: 7 }],
    },
    {
      name: 'a .down.sql holding only comments',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);\n',
        '001_create_users.down.sql': '-- nothing to undo\n',
      },
      errors: [{ messageId: 'empty', line: 1, file: '001_create_users.down.sql' }],
    },
    {
      name: 'an empty migrate:down section',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY);

-- migrate:down
`,
      },
      errors: [{ messageId: 'empty', line: 4 }],
    },
  ],
});
