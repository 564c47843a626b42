// Every rule on MikroORM migrations (classes extending Migration that queue SQL with this.addSql),
// run through the whole pipeline: valid and invalid cases as data.
import { ruleTester } from '../rule-tester.js';

/**
 * A MikroORM migration as its generator writes it: `up` starts on line 4, its statements on line 5,
 * and `down` (when given) follows the closing brace of `up`.
 */
function migration(className: string, up: string[], down?: string[], members = ''): string {
  const body = (lines: string[]) => lines.map((line) => `    ${line}\n`).join('');
  const downMethod = down ? `  override async down(): Promise<void> {\n${body(down)}  }\n` : '';
  return `import { Migration } from '@mikro-orm/migrations';

export class ${className} extends Migration {
  override async up(): Promise<void> {
${body(up)}  }
${downMethod}${members}}
`;
}

const createUser = migration(
  'Migration20240101120000',
  ['this.addSql(`create table if not exists "user" ("id" serial primary key, "email" varchar(255) not null);`);'],
  ['this.addSql(`drop table if exists "user" cascade;`);'],
);
const earlier = { 'Migration20240101120000.ts': createUser };

ruleTester.run('require-down', {
  valid: [{ name: 'a down that drops what up created', framework: 'mikro-orm', files: earlier }],
  invalid: [
    {
      name: 'no down(): the base class throws "This migration cannot be reverted"',
      framework: 'mikro-orm',
      files: { 'Migration20240101120000.ts': migration('Migration20240101120000', ['this.addSql(`create table if not exists "user" ("id" serial primary key);`);']) },
      errors: [{ messageId: 'missing', line: 1 }],
    },
    {
      name: 'a down that only throws',
      framework: 'mikro-orm',
      files: {
        'Migration20240101120000.ts': migration(
          'Migration20240101120000',
          ['this.addSql(`create table if not exists "user" ("id" serial primary key);`);'],
          ["throw new Error('irreversible');"],
        ),
      },
      errors: [{ messageId: 'missing', line: 7 }],
    },
  ],
});

ruleTester.run('no-empty-down', {
  valid: [{ name: 'a down that drops what up created', framework: 'mikro-orm', files: earlier }],
  invalid: [
    {
      name: 'a down with only a comment',
      framework: 'mikro-orm',
      files: {
        'Migration20240101120000.ts': migration(
          'Migration20240101120000',
          ['this.addSql(`create table if not exists "user" ("id" serial primary key);`);'],
          ['// nothing to undo'],
        ),
      },
      errors: [{ messageId: 'empty', line: 7 }],
    },
  ],
});

ruleTester.run('require-guard', {
  valid: [
    { name: 'create table if not exists / drop table if exists', framework: 'mikro-orm', files: earlier },
    {
      name: 'drop constraint if exists queued before add constraint (two addSql calls)',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          [
            'this.addSql(`alter table "user" drop constraint if exists "user_email_unique";`);',
            'this.addSql(`alter table "user" add constraint "user_email_unique" unique ("email");`);',
          ],
          ['this.addSql(`alter table "user" drop constraint if exists "user_email_unique";`);'],
        ),
      },
    },
    {
      name: 'statements inside an information_schema check run through this.execute',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          [
            "const found = await this.execute(`select 1 from information_schema.columns where table_name = 'user' and column_name = 'nickname'`);",
            'if (found.length === 0) {',
            '  this.addSql(`alter table "user" add column "nickname" varchar(50) null;`);',
            '  this.addSql(`create index "user_nickname_index" on "user" ("nickname");`);',
            '}',
          ],
          ['this.addSql(`alter table "user" drop column if exists "nickname";`);'],
        ),
      },
    },
    {
      name: 'knex schema builder that emits its own guard (MikroORM 6 getKnex)',
      framework: 'mikro-orm',
      files: {
        'Migration20240101120000.ts': migration(
          'Migration20240101120000',
          ["this.addSql(this.getKnex().schema.createTableIfNotExists('tag', (table) => { table.increments('id'); table.string('name'); }).toQuery());"],
          ["this.addSql(this.getKnex().schema.dropTableIfExists('tag').toQuery());"],
        ),
      },
    },
    {
      name: 'a directive with a reason',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          [
            "if (!(await this.columnExists('user', 'nickname'))) {",
            '  // rollsafe-disable-next-line require-guard -- guarded by columnExists() above',
            '  this.addSql(`alter table "user" add column "nickname" varchar(50) null;`);',
            '}',
          ],
          ['this.addSql(`alter table "user" drop column if exists "nickname";`);'],
          `  private async columnExists(table: string, column: string): Promise<boolean> {
    const rows = await this.execute('select 1 from information_schema.columns where table_name = ? and column_name = ?', [table, column]);
    return rows.length > 0;
  }
`,
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'the generator’s create table and add constraint',
      framework: 'mikro-orm',
      files: {
        'Migration20240101120000.ts': migration(
          'Migration20240101120000',
          [
            'this.addSql(`create table "user" ("id" serial primary key, "email" varchar(255) not null);`);',
            'this.addSql(`alter table "user" add constraint "user_email_unique" unique ("email");`);',
          ],
          ['this.addSql(`drop table "user" cascade;`);'],
        ),
      },
      errors: [{ line: 5 }, { line: 6 }, { line: 9 }],
    },
    {
      name: 'knex schema builder createTable',
      framework: 'mikro-orm',
      files: {
        'Migration20240101120000.ts': migration(
          'Migration20240101120000',
          ["this.addSql(this.getKnex().schema.createTable('tag', (table) => { table.increments('id'); }).toQuery());"],
          ["this.addSql(this.getKnex().schema.dropTableIfExists('tag').toQuery());"],
        ),
      },
      errors: [{ line: 5, message: /knex\.schema\.createTable tag has no guard/ }],
    },
  ],
});

ruleTester.run('idempotent-up', {
  valid: [{ name: 'guarded create table', framework: 'mikro-orm', files: earlier }],
  invalid: [
    {
      name: 'create table without if not exists fails the second time',
      framework: 'mikro-orm',
      files: {
        'Migration20240101120000.ts': migration(
          'Migration20240101120000',
          ['this.addSql(`create table "user" ("id" serial primary key);`);'],
          ['this.addSql(`drop table if exists "user";`);'],
        ),
      },
      errors: [{ line: 5 }],
    },
  ],
});

ruleTester.run('idempotent-down', {
  valid: [{ name: 'drop table if exists', framework: 'mikro-orm', files: earlier }],
  invalid: [
    {
      name: 'drop table without if exists fails the second time',
      framework: 'mikro-orm',
      files: {
        'Migration20240101120000.ts': migration(
          'Migration20240101120000',
          ['this.addSql(`create table if not exists "user" ("id" serial primary key);`);'],
          ['this.addSql(`drop table "user";`);'],
        ),
      },
      errors: [{ line: 8 }],
    },
  ],
});

ruleTester.run('round-trip', {
  valid: [
    {
      name: 'down drops both columns up added',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          ['this.addSql(`alter table "user" add column if not exists "first_name" text, add column if not exists "last_name" text;`);'],
          ['this.addSql(`alter table "user" drop column if exists "first_name", drop column if exists "last_name";`);'],
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'down forgets one column',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          ['this.addSql(`alter table "user" add column if not exists "first_name" text, add column if not exists "last_name" text;`);'],
          ['this.addSql(`alter table "user" drop column if exists "first_name";`);'],
        ),
      },
      errors: [{ line: 7 }],
    },
  ],
});

ruleTester.run('up-runs', {
  valid: [
    {
      name: 'non-transactional migration with create index concurrently',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          ['this.addSql(`create index concurrently if not exists "user_email_index" on "user" ("email");`);'],
          ['this.addSql(`drop index concurrently if exists "user_email_index";`);'],
          '  override isTransactional(): boolean {\n    return false;\n  }\n',
        ),
      },
    },
    // Bad input is no rule's: each shows as a problem with ruleId null (as in ESLint), and no up-runs.
    {
      name: 'a syntax error is reported once, at its place',
      framework: 'mikro-orm',
      files: { 'Migration20240101120000.ts': createUser.replace('"email" varchar(255) not null);`);', '"email" varchar(255) not null);`;') },
      problems: [{ message: /','|expected|syntax/i, line: 5 }],
    },
    {
      name: 'a migration that throws while loading',
      framework: 'mikro-orm',
      files: { 'Migration20240101120000.ts': `${createUser}\nthrow new Error('DATABASE_SCHEMA is not set');\n` },
      problems: [{ message: /threw while loading: DATABASE_SCHEMA is not set/, line: 12 }],
    },
    {
      name: 'a missing module is named',
      framework: 'mikro-orm',
      files: { 'Migration20240101120000.ts': `import '@acme/db-types';\n${createUser}` },
      problems: [{ message: /cannot find module '@acme\/db-types'/, line: 1 }],
    },
  ],
  invalid: [
    {
      name: 'a column that no migration created, at the line of its addSql',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          [
            'this.addSql(`alter table "user" add column if not exists "nickname" text;`);',
            'this.addSql(`create index if not exists "user_name_index" on "user" ("name");`);',
          ],
          ['this.addSql(`drop index if exists "user_name_index";`);'],
        ),
      },
      errors: [{ line: 6 }],
    },
    {
      name: 'create index concurrently inside MikroORM’s transaction',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          ['this.addSql(`create index concurrently if not exists "user_email_index" on "user" ("email");`);'],
          ['this.addSql(`drop index concurrently if exists "user_email_index";`);'],
        ),
      },
      errors: [{ line: 5, message: /transaction block/ }],
    },
    {
      name: 'this.execute fails at once, at its own line',
      framework: 'mikro-orm',
      files: {
        ...earlier,
        'Migration20240102120000.ts': migration(
          'Migration20240102120000',
          ['await this.execute(`update "user" set "nickname" = lower("email")`);'],
          ['this.addSql(`select 1`);'],
        ),
      },
      errors: [{ line: 5 }],
    },
  ],
});
