import { ruleTester } from '../test/rule-tester.js';

const knexHeader = `import type { Knex } from 'knex';\n`;
const pgmHeader = `import type { MigrationBuilder } from 'node-pg-migrate';\n`;

const knexUnguardedUsers = `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.increments('id');
    table.string('email').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`;

/** The unguarded knex migration with one line inserted above the createTable call (line 4). */
const knexWithCommentAboveCreate = (comment: string) =>
  knexUnguardedUsers.replace("  await knex.schema.createTable('users'", `  ${comment}\n  await knex.schema.createTable('users'`);

ruleTester.run('require-guard', {
  valid: [
    {
      name: "a TypeORM migration guarded by the project's own hasColumn helper (information_schema)",
      framework: 'typeorm',
      files: {
        '1700000000000-CreateApikey.ts': `import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApikey1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE IF NOT EXISTS "apikey" ("id" SERIAL PRIMARY KEY)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS "apikey"');
  }
}
`,
        '1700000100000-AddApikeyScopes.ts': `import { MigrationInterface, QueryRunner } from 'typeorm';

const tableName = 'apikey';
const columnName = 'scopes';

async function hasColumn(queryRunner: QueryRunner, table: string, column: string): Promise<boolean> {
  const rows = await queryRunner.query('SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', [table, column]);
  return rows.length > 0;
}

export class AddApikeyScopes1700000100000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await hasColumn(queryRunner, tableName, columnName))) {
      await queryRunner.query(\`ALTER TABLE "\${tableName}" ADD COLUMN "\${columnName}" text\`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    if (await hasColumn(queryRunner, tableName, columnName)) {
      await queryRunner.query(\`ALTER TABLE "\${tableName}" DROP COLUMN "\${columnName}"\`);
    }
  }
}
`,
      },
    },
    {
      name: 'an Alembic revision guarded by a helper in its module (a catalog query)',
      framework: 'alembic',
      files: {
        'versions/aa01_create_apikey.py': `from alembic import op
import sqlalchemy as sa

revision = "aa01"
down_revision = None

TABLE = "apikey"


def column_exists(table, column):
    row = op.get_bind().execute(
        sa.text("SELECT 1 FROM information_schema.columns WHERE table_name = :t AND column_name = :c"),
        {"t": table, "c": column},
    ).first()
    return row is not None


def upgrade():
    op.create_table(TABLE, sa.Column("id", sa.Integer, primary_key=True), if_not_exists=True)
    if not column_exists(TABLE, "scopes"):
        op.add_column(TABLE, sa.Column("scopes", sa.Text()))


def downgrade():
    if column_exists(TABLE, "scopes"):
        op.drop_column(TABLE, "scopes")
    op.drop_table(TABLE, if_exists=True)
`,
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
      name: 'createTableIfNotExists emits its own guard',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
    table.string('email').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('users');
}
`,
      },
    },
    {
      name: 'a new column inside a hasColumn check, raw SQL with IF NOT EXISTS',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE TABLE IF NOT EXISTS users (id serial PRIMARY KEY)');
  if (!(await knex.schema.hasColumn('users', 'nickname'))) {
    await knex.schema.alterTable('users', (table) => {
      table.string('nickname');
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS users');
}
`,
      },
    },
    {
      name: 'a directive with a reason silences the finding it names',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': knexWithCommentAboveCreate(
          '// rollsafe-disable-next-line require-guard -- users is created once, by the very first deploy',
        ),
      },
      problems: [],
    },
    {
      name: 'severity off in rollsafe.config.json turns the rule off',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexUnguardedUsers },
      config: { rules: { 'require-guard': 'off' } },
    },
    {
      name: 'ifNotExists / ifExists options',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable(
    'users',
    { id: 'id', email: { type: 'text', notNull: true } },
    { ifNotExists: true },
  );
  pgm.addColumns('users', { nickname: { type: 'text' } }, { ifNotExists: true });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('users', { ifExists: true });
}
`,
      },
    },
    {
      name: 'IF NOT EXISTS / IF EXISTS in both files',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': `CREATE TABLE IF NOT EXISTS users (
  id bigserial PRIMARY KEY,
  email text NOT NULL
);
CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);
`,
        '001_create_users.down.sql': `DROP INDEX IF EXISTS users_email_idx;
DROP TABLE IF EXISTS users;
`,
      },
    },
    {
      name: 'CREATE TYPE inside a DO block that checks pg_type first',
      framework: 'golang-migrate',
      files: {
        '001_create_mood.up.sql': `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
    CREATE TYPE mood AS ENUM ('happy', 'sad');
  END IF;
END
$$;
`,
        '001_create_mood.down.sql': `DROP TYPE IF EXISTS mood;
`,
      },
    },
    {
      name: 'guarded statements in both sections',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
CREATE TABLE IF NOT EXISTS users (
  id bigserial PRIMARY KEY,
  email text NOT NULL
);
ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;

-- migrate:down
DROP TABLE IF EXISTS users;
`,
      },
    },
    {
      name: 'a SQL directive with a reason',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
-- rollsafe-disable-next-line require-guard -- this table is created exactly once, by the first deploy
CREATE TABLE users (id bigserial PRIMARY KEY);

-- migrate:down
DROP TABLE IF EXISTS users;
`,
      },
      problems: [],
    },
  ],
  invalid: [
    {
      name: 'createTable with no hasTable check',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexUnguardedUsers },
      errors: [{ messageId: 'unguarded', message: /knex\.schema\.createTable users .*up twice/, line: 4 }],
    },
    {
      name: 'dropTable in down',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTableIfNotExists('users', (table) => {
    table.increments('id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
`,
      },
      errors: [{ messageId: 'unguarded', message: /dropTable users .*down twice/, line: 10 }],
    },
    {
      name: 'a new column with no hasColumn check',
      framework: 'knex',
      files: {
        '20240101120000_add_nickname.ts': `${knexHeader}
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (table) => {
    table.string('nickname');
  });
}

export async function down(knex: Knex): Promise<void> {
  if (await knex.schema.hasColumn('users', 'nickname')) {
    await knex.schema.alterTable('users', (table) => {
      table.dropColumn('nickname');
    });
  }
}
`,
      },
      errors: [{ messageId: 'unguarded', message: /users\.nickname/, line: 5 }],
    },
    {
      name: 'a directive without a reason is reported and silences nothing',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexWithCommentAboveCreate('// rollsafe-disable-next-line require-guard') },
      errors: [{ messageId: 'unguarded', line: 5 }],
      problems: [{ message: /needs a reason/, line: 4 }],
    },
    {
      name: 'a directive naming an unknown rule is reported and silences nothing',
      framework: 'knex',
      files: {
        '20240101120000_create_users.ts': knexWithCommentAboveCreate(
          '// rollsafe-disable-next-line require-gaurd -- users is created once, by the very first deploy',
        ),
      },
      errors: [{ messageId: 'unguarded', line: 5 }],
      problems: [{ message: /unknown rule 'require-gaurd'.*did you mean 'require-guard'/, line: 4 }],
    },
    {
      name: 'severity warn in rollsafe.config.json',
      framework: 'knex',
      files: { '20240101120000_create_users.ts': knexUnguardedUsers },
      config: { rules: { 'require-guard': 'warn' } },
      errors: [{ messageId: 'unguarded', line: 4, severity: 1 }],
    },
    {
      name: 'createTable and dropTable without ifNotExists / ifExists',
      framework: 'node-pg-migrate',
      files: {
        '1700000000000_create-users.ts': `${pgmHeader}
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('users', {
    id: 'id',
    email: { type: 'text', notNull: true },
  });
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.dropTable('users');
}
`,
      },
      errors: [
        { messageId: 'unguarded', message: /pgm\.createTable users/, line: 4 },
        { messageId: 'unguarded', message: /pgm\.dropTable users/, line: 11 },
      ],
    },
    {
      name: 'CREATE TABLE without IF NOT EXISTS, DROP TABLE without IF EXISTS in the .down.sql',
      framework: 'golang-migrate',
      files: {
        '001_create_users.up.sql': `CREATE TABLE users (
  id bigserial PRIMARY KEY,
  email text NOT NULL
);
`,
        '001_create_users.down.sql': `-- the users table goes with everything in it
DROP TABLE users;
`,
      },
      errors: [
        { messageId: 'unguarded', message: /CREATE TABLE users/, line: 1, file: '001_create_users.up.sql' },
        { messageId: 'unguarded', message: /DROP TABLE users/, line: 2, file: '001_create_users.down.sql' },
      ],
    },
    {
      name: 'CREATE TYPE with no DO-block check',
      framework: 'golang-migrate',
      files: {
        '001_create_mood.up.sql': `CREATE TYPE mood AS ENUM ('happy', 'sad');
`,
        '001_create_mood.down.sql': `DROP TYPE IF EXISTS mood;
`,
      },
      errors: [{ messageId: 'unguarded', message: /CREATE TYPE mood/, line: 1, file: '001_create_mood.up.sql' }],
    },
    {
      name: 'CREATE INDEX without IF NOT EXISTS after a guarded CREATE TABLE',
      framework: 'dbmate',
      files: {
        '20240101120000_create_users.sql': `-- migrate:up
CREATE TABLE IF NOT EXISTS users (
  id bigserial PRIMARY KEY,
  email text NOT NULL
);
CREATE INDEX users_email_idx ON users (email);

-- migrate:down
DROP TABLE IF EXISTS users;
`,
      },
      errors: [{ messageId: 'unguarded', message: /users_email_idx/, line: 6 }],
    },
  ],
});
