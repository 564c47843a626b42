// Every rule on TypeORM migrations (classes with up/down(queryRunner)), run through the whole
// pipeline with the project's TypeORM on a DataSource bound to the engine: valid and invalid cases.
import { ruleTester } from '../rule-tester.js';

/**
 * A TypeORM migration as the CLI writes it: `up` on line 4, its statements from line 5, and `down`
 * (when given) two lines after the closing brace of `up`.
 */
function migration(className: string, up: string[], down?: string[], members = ''): string {
  const body = (lines: string[]) => lines.map((line) => `    ${line}\n`).join('');
  const downMethod = down ? `\n  public async down(queryRunner: QueryRunner): Promise<void> {\n${body(down)}  }\n` : '';
  return `import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

export class ${className} implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
${body(up)}  }
${downMethod}${members}}
`;
}

const createUsers = migration(
  'CreateUsers1700000000000',
  ['await queryRunner.query(`CREATE TABLE IF NOT EXISTS "users" ("id" SERIAL NOT NULL, "email" character varying NOT NULL, CONSTRAINT "PK_users" PRIMARY KEY ("id"))`);'],
  ['await queryRunner.query(`DROP TABLE IF EXISTS "users"`);'],
);
const earlier = { '1700000000000-CreateUsers.ts': createUsers };

ruleTester.run('require-down', {
  valid: [{ name: 'a down that drops what up created', framework: 'typeorm', files: earlier }],
  invalid: [
    {
      name: 'a compiled class with no down method',
      framework: 'typeorm',
      files: { '1700000000000-CreateUsers.js': 'export class CreateUsers1700000000000 {\n  async up(queryRunner) {\n    await queryRunner.query(`CREATE TABLE IF NOT EXISTS "users" ("id" serial PRIMARY KEY)`);\n  }\n}\n' },
      errors: [{ messageId: 'missing', line: 1 }],
    },
  ],
});

ruleTester.run('no-empty-down', {
  valid: [{ name: 'a down that drops what up created', framework: 'typeorm', files: earlier }],
  invalid: [
    {
      name: 'a down with only a comment',
      framework: 'typeorm',
      files: {
        '1700000000000-CreateUsers.ts': migration(
          'CreateUsers1700000000000',
          ['await queryRunner.query(`CREATE TABLE IF NOT EXISTS "users" ("id" SERIAL PRIMARY KEY)`);'],
          ['// nothing to undo'],
        ),
      },
      errors: [{ messageId: 'empty', line: 8 }],
    },
  ],
});

ruleTester.run('require-guard', {
  valid: [
    { name: 'IF NOT EXISTS / IF EXISTS in queryRunner.query', framework: 'typeorm', files: earlier },
    {
      name: 'createTable(…, true), dropTable(…, true) and a hasColumn check',
      framework: 'typeorm',
      files: {
        '1700000000000-CreateOrgs.ts': migration(
          'CreateOrgs1700000000000',
          [
            "await queryRunner.createTable(new Table({ name: 'orgs', columns: [{ name: 'id', type: 'int', isPrimary: true }] }), true);",
            "if (!(await queryRunner.hasColumn('orgs', 'slug'))) {",
            "  await queryRunner.addColumn('orgs', new TableColumn({ name: 'slug', type: 'varchar', isNullable: true }));",
            '}',
          ],
          ["await queryRunner.dropTable('orgs', true);"],
        ),
      },
    },
  ],
  invalid: [
    {
      name: 'a generated migration: CREATE TABLE and ADD CONSTRAINT without guards',
      framework: 'typeorm',
      files: {
        ...earlier,
        '1700000100000-CreatePosts.ts': migration(
          'CreatePosts1700000100000',
          [
            'await queryRunner.query(`CREATE TABLE "posts" ("id" SERIAL NOT NULL, "author_id" integer NOT NULL, CONSTRAINT "PK_posts" PRIMARY KEY ("id"))`);',
            'await queryRunner.query(`ALTER TABLE "posts" ADD CONSTRAINT "FK_posts_author" FOREIGN KEY ("author_id") REFERENCES "users"("id")`);',
          ],
          ['await queryRunner.query(`DROP TABLE IF EXISTS "posts"`);'],
        ),
      },
      errors: [
        { messageId: 'unguarded', line: 5, message: /CREATE TABLE posts/ },
        { messageId: 'unguarded', line: 6, message: /ADD CONSTRAINT/ },
      ],
    },
    {
      name: 'queryRunner.createTable without ifNotExists',
      framework: 'typeorm',
      files: {
        '1700000000000-CreateOrgs.ts': migration(
          'CreateOrgs1700000000000',
          ["await queryRunner.createTable(new Table({ name: 'orgs', columns: [{ name: 'id', type: 'int', isPrimary: true }] }));"],
          ["await queryRunner.dropTable('orgs', true);"],
        ),
      },
      errors: [{ messageId: 'unguarded', line: 5, message: /queryRunner\.createTable orgs/ }],
    },
  ],
});

ruleTester.run('up-runs', {
  valid: [
    {
      name: 'CREATE INDEX CONCURRENTLY with `transaction = false`',
      framework: 'typeorm',
      files: {
        ...earlier,
        '1700000100000-IndexUsersEmail.ts': migration(
          'IndexUsersEmail1700000100000',
          ['await queryRunner.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "IDX_users_email" ON "users" ("email")`);'],
          ['await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_users_email"`);'],
          '\n  public transaction = false;\n',
        ),
      },
    },
    {
      name: 'a module the migration imports is missing: a load problem, named, at its import',
      framework: 'typeorm',
      files: {
        // Used, so neither tsc nor tsx elides the import.
        '1700000000000-CreateUsers.ts': createUsers
          .replace("from 'typeorm';\n", "from 'typeorm';\nimport { tenantSchema } from '@acme/tenancy';\n")
          .replace('"users" ("id"', '"users" ("tenant" text DEFAULT \'${tenantSchema}\', "id"'),
      },
      problems: [{ message: /cannot find module '@acme\/tenancy'/, line: 2 }],
    },
    {
      name: 'a migration that throws while loading',
      framework: 'typeorm',
      files: {
        '1700000000000-CreateUsers.ts': createUsers.replace("from 'typeorm';\n", "from 'typeorm';\nif (!process.env.ROLLSAFE_TYPEORM_TENANT) throw new Error('ROLLSAFE_TYPEORM_TENANT is not set');\n"),
      },
      problems: [{ message: /threw while loading: ROLLSAFE_TYPEORM_TENANT is not set/, line: 2 }],
    },
  ],
  invalid: [
    {
      name: 'CREATE INDEX CONCURRENTLY inside TypeORM’s per-migration transaction',
      framework: 'typeorm',
      files: {
        ...earlier,
        '1700000100000-IndexUsersEmail.ts': migration(
          'IndexUsersEmail1700000100000',
          ['await queryRunner.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "IDX_users_email" ON "users" ("email")`);'],
          ['await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_users_email"`);'],
        ),
      },
      errors: [{ line: 5, message: /cannot run inside a transaction block/ }],
    },
    {
      name: 'addColumn on a table no migration created, at the call’s line',
      framework: 'typeorm',
      files: {
        ...earlier,
        '1700000100000-AddPostsTitle.ts': migration(
          'AddPostsTitle1700000100000',
          [
            "if (!(await queryRunner.hasColumn('posts', 'title'))) {",
            "  await queryRunner.addColumn('posts', new TableColumn({ name: 'title', type: 'varchar' }));",
            '}',
          ],
          ["await queryRunner.dropColumn('posts', 'title', true);"],
        ),
      },
      errors: [{ line: 6, message: /posts/ }],
    },
  ],
});

ruleTester.run('idempotent-up', {
  valid: [{ name: 'guarded up', framework: 'typeorm', files: earlier }],
  invalid: [
    {
      name: 'addColumn without a hasColumn check fails the second time',
      framework: 'typeorm',
      files: {
        ...earlier,
        '1700000100000-AddUsersName.ts': migration(
          'AddUsersName1700000100000',
          ["await queryRunner.addColumn('users', new TableColumn({ name: 'name', type: 'varchar', isNullable: true }));"],
          ["await queryRunner.dropColumn('users', 'name', true);"],
        ),
      },
      errors: [{ line: 5, message: /already exists/ }],
    },
  ],
});

ruleTester.run('idempotent-down', {
  valid: [{ name: 'DROP TABLE IF EXISTS', framework: 'typeorm', files: earlier }],
  invalid: [
    {
      name: 'dropColumn without ifExists fails the second time',
      framework: 'typeorm',
      files: {
        ...earlier,
        '1700000100000-AddUsersName.ts': migration(
          'AddUsersName1700000100000',
          ['await queryRunner.query(`ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "name" character varying`);'],
          ["await queryRunner.dropColumn('users', 'name');"],
        ),
      },
      errors: [{ line: 9, message: /not found|does not exist/ }],
    },
  ],
});

ruleTester.run('round-trip', {
  valid: [{ name: 'down drops exactly what up created', framework: 'typeorm', files: earlier }],
  invalid: [
    {
      name: 'down forgets the table up created',
      framework: 'typeorm',
      files: {
        ...earlier,
        '1700000100000-AddUsersName.ts': migration(
          'AddUsersName1700000100000',
          [
            'await queryRunner.query(`ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "name" character varying`);',
            'await queryRunner.query(`CREATE TABLE IF NOT EXISTS "teams" ("id" SERIAL PRIMARY KEY)`);',
          ],
          ['await queryRunner.query(`ALTER TABLE "users" DROP COLUMN IF EXISTS "name"`);'],
        ),
      },
      errors: [{ line: 9, message: /teams/ }],
    },
  ],
});
