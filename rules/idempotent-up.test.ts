import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

const knexBilling = `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE TABLE IF NOT EXISTS accounts (id serial PRIMARY KEY, credits integer NOT NULL DEFAULT 0, total_milli bigint)');
  await knex.raw('CREATE TABLE IF NOT EXISTS permissions (id serial PRIMARY KEY, code text NOT NULL UNIQUE)');
  await knex.raw('CREATE TABLE IF NOT EXISTS roles (id serial PRIMARY KEY, name text NOT NULL)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS accounts, permissions, roles');
}
`;

/** A knex migration whose up is `upBody` (its first line is line 4) and whose down does nothing to rows. */
const knexData = (upBody: string) => `${knexHeader}
export async function up(knex: Knex): Promise<void> {
${upBody}
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('SELECT 1');
}
`;

ruleTester.run('idempotent-up', {
  valid: [
    {
      name: 'a seed with onConflict().ignore() inserts nothing the second time',
      framework: 'knex',
      files: {
        '20240101120000_billing.ts': knexBilling,
        '20240102120000_seed.ts': knexData("  await knex('permissions').insert([{ code: 'read' }, { code: 'write' }]).onConflict('code').ignore();"),
      },
    },
    {
      name: 'a backfill only where the new value is still NULL changes nothing the second time',
      framework: 'knex',
      files: {
        '20240101120000_billing.ts': knexBilling,
        '20240102120000_milli.ts': knexData("  await knex('accounts').whereNull('total_milli').update({ total_milli: knex.raw('credits * 1000') });"),
      },
    },
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
      name: 'an increment adds again on every run',
      framework: 'knex',
      files: {
        '20240101120000_billing.ts': knexBilling,
        '20240102120000_bonus.ts': knexData("  await knex('accounts').increment('credits', 5);"),
      },
      errors: [{ messageId: 'changesAgain', message: /a second run changed accounts\.credits again in 4 of 4 rows \(id 1: 112 → 117\)/, line: 4 }],
    },
    {
      name: 'a seed whose down fails is still run twice for its rows',
      framework: 'knex',
      files: {
        '20240101120000_billing.ts': knexBilling,
        '20240102120000_seed.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex('roles').insert([{ name: 'reader' }, { name: 'author' }]);
}

export async function down(knex: Knex): Promise<void> {
  await knex('roles').where().del();
}
`,
      },
      errors: [{ messageId: 'insertsAgain', message: /a second run inserted 2 more rows into roles \(name = 'reader', …\)/, line: 4 }],
    },
    {
      name: 'a seed with no unique key to stop it duplicates its rows',
      framework: 'knex',
      files: {
        '20240101120000_billing.ts': knexBilling,
        '20240102120000_seed.ts': knexData("  await knex('roles').insert([{ name: 'admin' }, { name: 'member' }]);"),
      },
      errors: [{ messageId: 'insertsAgain', message: /a second run inserted 2 more rows into roles \(name = 'admin', …\)/, line: 4 }],
    },
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
