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

/** Adds nickname and bio to users; `droppedInDown` are the columns its down removes. */
const knexAddProfileColumns = (droppedInDown: string[]) => `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text');
  await knex.raw('ALTER TABLE users ADD COLUMN IF NOT EXISTS bio text');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE users ${droppedInDown.map((c) => `DROP COLUMN IF EXISTS ${c}`).join(', ')}');
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

const sqlCreateUsers = 'CREATE TABLE IF NOT EXISTS users (id bigserial PRIMARY KEY, email text NOT NULL);\n';

const dbmateCreateUsers = `-- migrate:up
${sqlCreateUsers}
-- migrate:down
DROP TABLE IF EXISTS users;
`;

/** Indexes users.email and adds nickname; `down` is the body of its down section. */
const dbmateIndexEmail = (down: string) => `-- migrate:up
CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);
ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;

-- migrate:down
${down}
`;

ruleTester.run('round-trip', {
  valid: [
    {
      name: 'down drops every column up added',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': knexCreateUsers,
        '20240102120000_add_profile_columns.ts': knexAddProfileColumns(['bio', 'nickname']),
      },
    },
    {
      name: 'an automatic down undoes addColumns',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': pgmCreateUsers,
        '1700000000001_add-nickname.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('users', { nickname: { type: 'text' }, bio: { type: 'text' } });
}
`,
      },
    },
    {
      name: 'down drops the index and the column',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': sqlCreateUsers,
        '001_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
        '002_index_email.up.sql': 'CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);\n',
        '002_index_email.down.sql': 'DROP INDEX IF EXISTS users_email_idx;\n',
      },
    },
    {
      name: 'down drops the index and the column',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': dbmateCreateUsers,
        '20240102120000_index_email.sql': dbmateIndexEmail(
          'ALTER TABLE users DROP COLUMN IF EXISTS nickname;\nDROP INDEX IF EXISTS users_email_idx;',
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'down forgets a column',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': knexCreateUsers,
        '20240102120000_add_profile_columns.ts': knexAddProfileColumns(['nickname']),
      },
      errors: [{ messageId: 'downChanges', message: /column users\.bio/, line: 8 }],
    },
    {
      name: 'down forgets a column',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': pgmCreateUsers,
        '1700000000001_add-nickname.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.addColumns('users', { nickname: { type: 'text' }, bio: { type: 'text' } }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropColumns('users', ['nickname'], { ifExists: true });
}
`,
      },
      errors: [{ messageId: 'downChanges', message: /column users\.bio/, line: 7 }],
    },
    {
      name: 'down forgets an index',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': sqlCreateUsers,
        '001_create_users.down.sql': 'DROP TABLE IF EXISTS users;\n',
        '002_index_email.up.sql': `CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);
ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;
`,
        '002_index_email.down.sql': 'ALTER TABLE users DROP COLUMN IF EXISTS nickname;\n',
      },
      errors: [{ messageId: 'downChanges', message: /index users_email_idx/, line: 1 }],
    },
    {
      name: 'down forgets an index',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': dbmateCreateUsers,
        '20240102120000_index_email.sql': dbmateIndexEmail('ALTER TABLE users DROP COLUMN IF EXISTS nickname;'),
      },
      errors: [{ messageId: 'downChanges', message: /index users_email_idx/, line: 5 }],
    },
    {
      name: 'down fails on a table up never touched',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': dbmateCreateUsers,
        '20240102120000_index_email.sql': dbmateIndexEmail(
          'DROP INDEX IF EXISTS users_email_idx;\nALTER TABLE profiles DROP COLUMN IF EXISTS nickname;',
        ),
      },
      errors: [{ messageId: 'downFails', message: /profiles/, line: 7 }],
    },
  ],
});
