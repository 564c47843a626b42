import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

ruleTester.run('idempotent-up', {
  valid: [
    {
      name: 'createTable inside a hasTable check',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('users'))) {
    await knex.schema.createTable('users', (table) => {
      table.increments('id');
      table.string('email').notNullable();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`,
      },
    },
    {
      name: 'createTable with ifNotExists',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', { id: 'id', email: { type: 'text', notNull: true } }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('users', { ifExists: true });
}
`,
      },
    },
    {
      name: 'every statement guarded',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': `CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY, email text NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email);
`,
        '001_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
      },
    },
    {
      name: 'every statement guarded',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY, email text NOT NULL);

-- migrate:down
DROP TABLE IF EXISTS users;
`,
      },
    },
  ],
  invalid: [
    {
      name: 'createTable with no guard fails the second run',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.increments('id');
    table.string('email').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`,
      },
      errors: [{ messageId: 'fails', message: /users.*already exists/, line: 4 }],
    },
    {
      // knex adds the foreign key in a separate ALTER TABLE that has no IF NOT EXISTS.
      name: 'createTableIfNotExists with a foreign key fails the second run on the constraint',
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
        '20240102120000_create_posts.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('posts', (table) => {
    table.increments('id');
    table.integer('author_id').references('id').inTable('users');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('posts');
}
`,
      },
      errors: [{ messageId: 'fails', message: /posts_author_id_foreign.*already exists/, line: 4 }],
    },
    {
      name: 'createTable without ifNotExists fails the second run',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', { id: 'id', email: { type: 'text', notNull: true } });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('users', { ifExists: true });
}
`,
      },
      errors: [{ messageId: 'fails', message: /users.*already exists/, line: 4 }],
    },
    {
      name: 'CREATE TABLE without IF NOT EXISTS fails the second run',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': `-- accounts of people who sign in
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);
`,
        '001_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
      },
      errors: [{ messageId: 'fails', message: /users.*already exists/, line: 2, file: '001_create_users.up.sql' }],
    },
    {
      name: 'an index without a name is created again under a new name',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY, email text NOT NULL);
CREATE INDEX ON users (email);

-- migrate:down
DROP TABLE IF EXISTS users;
`,
      },
      errors: [{ messageId: 'changes', message: /the second up added index users_email_idx1/, line: 1 }],
    },
  ],
});
