// Every rule on Kysely migrations (modules exporting up(db)/down(db) that execute db.schema builders
// and sql templates), run through the whole pipeline with the project's own kysely: valid and invalid cases.
import { ruleTester } from '../rule-tester.js';

const header = `import { Kysely, sql } from 'kysely';\n`;

/** A Kysely migration: `up` starts on line 3, its statements on line 4; `down` follows. */
function migration(up: string[], down?: string[], extra = ''): string {
  const body = (lines: string[]) => lines.map((line) => `  ${line}\n`).join('');
  const downFunction = down ? `\nexport async function down(db: Kysely<any>): Promise<void> {\n${body(down)}}\n` : '';
  return `${header}
export async function up(db: Kysely<any>): Promise<void> {
${body(up)}}
${downFunction}${extra}`;
}

const createUsers = migration(
  ["await db.schema.createTable('users').ifNotExists().addColumn('id', 'serial', (col) => col.primaryKey()).addColumn('email', 'text').execute();"],
  ["await db.schema.dropTable('users').ifExists().execute();"],
);
const earlier = { '2024_01_01_120000_create_users.ts': createUsers };

ruleTester.run('require-down', {
  valid: [{ name: 'a down that drops what up created', framework: 'kysely', files: earlier }],
  invalid: [
    {
      name: 'no down export: the Migrator skips it and the migration stays recorded',
      framework: 'kysely',
      files: { '2024_01_01_120000_create_users.ts': migration(["await db.schema.createTable('users').ifNotExists().addColumn('id', 'serial').execute();"]) },
      errors: [{ messageId: 'missing', line: 1 }],
    },
  ],
});

ruleTester.run('no-empty-down', {
  valid: [{ name: 'a down with work in it', framework: 'kysely', files: earlier }],
  invalid: [
    {
      name: 'a down with only a comment',
      framework: 'kysely',
      files: {
        '2024_01_01_120000_create_users.ts': migration(
          ["await db.schema.createTable('users').ifNotExists().addColumn('id', 'serial').execute();"],
          ['// nothing to undo'],
        ),
      },
      errors: [{ messageId: 'empty', line: 7 }],
    },
  ],
});

ruleTester.run('require-guard', {
  valid: [
    { name: 'createTable(…).ifNotExists() and dropTable(…).ifExists()', framework: 'kysely', files: earlier },
    {
      name: 'addColumn with col.ifNotExists(), dropColumn with col.ifExists()',
      framework: 'kysely',
      files: {
        ...earlier,
        '2024_01_02_120000_add_users_nickname.ts': migration(
          ["await db.schema.alterTable('users').addColumn('nickname', 'text', (col) => col.ifNotExists()).execute();"],
          ["await db.schema.alterTable('users').dropColumn('nickname', (col) => col.ifExists()).execute();"],
        ),
      },
    },
    {
      name: 'an introspection check, createView(…).orReplace(), sql with IF NOT EXISTS',
      framework: 'kysely',
      files: {
        ...earlier,
        '2024_01_02_120000_user_emails.ts': migration(
          [
            'const tables = await db.introspection.getTables();',
            "if (!tables.some((table) => table.name === 'teams')) {",
            "  await db.schema.createTable('teams').addColumn('id', 'serial', (col) => col.primaryKey()).execute();",
            '}',
            "await db.schema.createView('user_emails').orReplace().as(db.selectFrom('users').select('email')).execute();",
            'await sql`CREATE INDEX IF NOT EXISTS users_email_idx ON users (email)`.execute(db);',
          ],
          [
            'await sql`DROP INDEX IF EXISTS users_email_idx`.execute(db);',
            "await db.schema.dropView('user_emails').ifExists().execute();",
            "await db.schema.dropTable('teams').ifExists().execute();",
          ],
        ),
      },
    },
    {
      name: 'a builder that is never executed runs nothing',
      framework: 'kysely',
      files: {
        '2024_01_01_120000_create_users.ts': migration(
          [
            "const preview = db.schema.createTable('users').addColumn('id', 'serial').compile();",
            "console.log(preview.sql);",
            "await db.schema.createTable('users').ifNotExists().addColumn('id', 'serial').execute();",
          ],
          ["await db.schema.dropTable('users').ifExists().execute();"],
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'createTable without ifNotExists, dropTable without ifExists',
      framework: 'kysely',
      files: {
        '2024_01_01_120000_create_users.ts': migration(
          ["await db.schema.createTable('users').addColumn('id', 'serial').execute();"],
          ["await db.schema.dropTable('users').execute();"],
        ),
      },
      errors: [
        { messageId: 'unguarded', line: 4, message: /db\.schema\.createTable users/ },
        { messageId: 'unguarded', line: 8, message: /db\.schema\.dropTable users/ },
      ],
    },
    {
      name: 'each column of an alterTable chain at its own line; a sql template statement',
      framework: 'kysely',
      files: {
        ...earlier,
        '2024_01_02_120000_add_users_columns.ts': migration(
          [
            'await db.schema',
            "  .alterTable('users')",
            "  .addColumn('nickname', 'text')",
            "  .addColumn('bio', 'text', (col) => col.ifNotExists())",
            '  .execute();',
            'await sql`CREATE INDEX users_nickname_idx ON users (nickname)`.execute(db);',
          ],
          [
            'await sql`DROP INDEX IF EXISTS users_nickname_idx`.execute(db);',
            "await db.schema.alterTable('users').dropColumn('bio', (col) => col.ifExists()).dropColumn('nickname', (col) => col.ifExists()).execute();",
          ],
        ),
      },
      errors: [
        { messageId: 'unguarded', line: 6, message: /alterTable\.addColumn users\.nickname/ },
        { messageId: 'unguarded', line: 9, message: /CREATE INDEX/ },
      ],
    },
    {
      name: 'createType has no guarded form in Kysely',
      framework: 'kysely',
      files: {
        '2024_01_01_120000_create_mood.ts': migration(
          ["await db.schema.createType('mood').asEnum(['happy', 'sad']).execute();"],
          ["await db.schema.dropType('mood').ifExists().execute();"],
        ),
      },
      errors: [{ messageId: 'unguarded', line: 4, message: /db\.schema\.createType mood/ }],
    },
  ],
});

ruleTester.run('idempotent-up', {
  valid: [{ name: 'guarded throughout', framework: 'kysely', files: earlier }],
  invalid: [
    {
      name: 'createTable without ifNotExists fails the second time, at its statement',
      framework: 'kysely',
      files: {
        '2024_01_01_120000_create_users.ts': migration(
          ['await db.schema', "  .createTable('users')", "  .addColumn('id', 'serial', (col) => col.primaryKey())", '  .execute();'],
          ["await db.schema.dropTable('users').ifExists().execute();"],
        ),
      },
      errors: [{ messageId: 'fails', line: 5 }],
    },
  ],
});

ruleTester.run('idempotent-down', {
  valid: [{ name: 'dropTable(…).ifExists()', framework: 'kysely', files: earlier }],
  invalid: [
    {
      name: 'dropColumn without ifExists fails the second time',
      framework: 'kysely',
      files: {
        ...earlier,
        '2024_01_02_120000_add_users_nickname.ts': migration(
          ["await db.schema.alterTable('users').addColumn('nickname', 'text', (col) => col.ifNotExists()).execute();"],
          ["await db.schema.alterTable('users').dropColumn('nickname').execute();"],
        ),
      },
      errors: [{ messageId: 'fails', line: 8 }],
    },
  ],
});

ruleTester.run('round-trip', {
  valid: [{ name: 'down drops what up created', framework: 'kysely', files: earlier }],
  invalid: [
    {
      name: 'down forgets the second column',
      framework: 'kysely',
      files: {
        ...earlier,
        '2024_01_02_120000_add_users_columns.ts': migration(
          ["await db.schema.alterTable('users').addColumn('nickname', 'text', (col) => col.ifNotExists()).addColumn('bio', 'text', (col) => col.ifNotExists()).execute();"],
          ["await db.schema.alterTable('users').dropColumn('nickname', (col) => col.ifExists()).execute();"],
        ),
      },
      errors: [{ messageId: 'downChanges', line: 7, message: /users\.bio/ }],
    },
  ],
});

ruleTester.run('up-runs', {
  valid: [
    { name: 'an up that runs on the schema the earlier migrations leave', framework: 'kysely', files: earlier },
    {
      name: 'a getTables() guard is answered on pg-mem too (from its schema snapshot where pg-mem cannot run the catalog query)',
      framework: 'kysely',
      options: { fallback: false },
      files: {
        ...earlier,
        '2024_01_02_120000_create_teams.ts': migration(
          [
            'const tables = await db.introspection.getTables();',
            "if (!tables.some((table) => table.name === 'teams')) {",
            "  await db.schema.createTable('teams').addColumn('id', 'serial', (col) => col.primaryKey()).execute();",
            '}',
          ],
          ["await db.schema.dropTable('teams').ifExists().execute();"],
        ),
      },
    },
    {
      name: 'CREATE INDEX CONCURRENTLY runs outside a transaction, as under a Migrator with disableTransactions',
      framework: 'kysely',
      // pg-mem accepts it inside a transaction block; Postgres refuses it there.
      options: { engine: 'pglite' },
      files: {
        ...earlier,
        '2024_01_02_120000_users_email_idx.ts': migration(
          ['await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email)`.execute(db);'],
          ['await sql`DROP INDEX CONCURRENTLY IF EXISTS users_email_idx`.execute(db);'],
        ),
      },
    },
    {
      name: 'a syntax error is reported once, at its place',
      framework: 'kysely',
      files: { '2024_01_01_120000_create_users.ts': createUsers.replace(".addColumn('email', 'text')", ".addColumn('email', 'text'") },
      problems: [{ message: /expected/i, line: 4 }],
    },
    {
      name: 'a migration that throws while loading',
      framework: 'kysely',
      files: { '2024_01_01_120000_create_users.ts': `${createUsers}\nthrow new Error('DATABASE_SCHEMA is not set');\n` },
      problems: [{ message: /threw while loading: DATABASE_SCHEMA is not set/, line: 11 }],
    },
    {
      name: 'a missing module is named',
      framework: 'kysely',
      files: { '2024_01_01_120000_create_users.ts': createUsers.replace(header, `${header}import { usersTable } from './helpers/tables';\n`).replace("createTable('users')", 'createTable(usersTable)') },
      // In the sandbox, TypeScript loads through tsx's require hook, whose error names the specifier: the finding sits at the import.
      problems: [{ message: /cannot find module '[^']*helpers\/tables'/, line: 2 }],
    },
  ],
  invalid: [
    {
      name: 'an index on a column no migration created, placed at its statement',
      framework: 'kysely',
      files: {
        ...earlier,
        '2024_01_02_120000_users_team_idx.ts': migration(
          ['await db.schema', "  .createIndex('users_team_id_idx')", '  .ifNotExists()', "  .on('users')", "  .column('team_id')", '  .execute();'],
          ["await db.schema.dropIndex('users_team_id_idx').ifExists().execute();"],
        ),
      },
      errors: [{ messageId: 'fails', line: 5, message: /team_id/ }],
    },
  ],
});
