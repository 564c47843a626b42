import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseTypeormSource } from './analyse.js';

type Expected = { kind: string; target?: string; guarded: boolean; line: number; direction?: 'up' | 'down' };

async function operations(code: string, file = 'migration.ts') {
  const model = await analyseTypeormSource(code, file);
  expect(model.parseError).toBeUndefined();
  return model.operations.map((o) => ({ kind: o.kind, target: o.target, guarded: o.guarded, line: o.loc.line, direction: o.direction }));
}

const header = `import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';\n`;

const cases: { name: string; code: string; file?: string; operations: Expected[] }[] = [
  {
    name: 'a generated migration: unguarded SQL in queryRunner.query, placed at its line',
    code: `${header}
export class CreateUsers1700000000000 implements MigrationInterface {
  name = 'CreateUsers1700000000000';
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`CREATE TABLE "users" ("id" SERIAL NOT NULL, CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))\`);
    await queryRunner.query(\`ALTER TABLE "users" ADD CONSTRAINT "FK_1" FOREIGN KEY ("org_id") REFERENCES "orgs"("id")\`);
    await queryRunner.query(\`CREATE INDEX IF NOT EXISTS "IDX_users_org" ON "users" ("org_id")\`);
  }
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`DROP TABLE IF EXISTS "users"\`);
  }
}
`,
    operations: [
      { kind: 'CREATE TABLE', target: 'users', guarded: false, line: 6, direction: 'up' },
      { kind: 'ALTER TABLE ADD CONSTRAINT', target: 'users.FK_1', guarded: false, line: 7, direction: 'up' },
      { kind: 'CREATE INDEX', target: 'IDX_users_org', guarded: true, line: 8, direction: 'up' },
      { kind: 'DROP TABLE', target: 'users', guarded: true, line: 11, direction: 'down' },
    ],
  },
  {
    name: 'createTable / dropTable take their own ifNotExists / ifExists flag',
    code: `${header}
export class Orgs1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(new Table({ name: 'orgs', columns: [{ name: 'id', type: 'int', isPrimary: true }] }), true);
    await queryRunner.createTable(new Table({ name: 'teams', columns: [{ name: 'id', type: 'int', isPrimary: true }] }));
  }
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('teams');
    await queryRunner.dropTable('orgs', true);
  }
}
`,
    operations: [
      { kind: 'queryRunner.createTable', target: 'orgs', guarded: true, line: 5, direction: 'up' },
      { kind: 'queryRunner.createTable', target: 'teams', guarded: false, line: 6, direction: 'up' },
      { kind: 'queryRunner.dropTable', target: 'teams', guarded: false, line: 9, direction: 'down' },
      { kind: 'queryRunner.dropTable', target: 'orgs', guarded: true, line: 10, direction: 'down' },
    ],
  },
  {
    name: 'hasTable / hasColumn checks guard what fits them, and only that; a Table held in a const is named',
    code: `${header}
const teams = new Table({ name: 'teams', columns: [] });
export class Teams1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await queryRunner.hasTable('teams'))) {
      await queryRunner.createTable(teams);
      await queryRunner.createIndex('teams', new TableIndex({ name: 'IDX_teams_name', columnNames: ['name'] }));
    }
    if (await queryRunner.hasTable('teams')) {
      await queryRunner.createTable(new Table({ name: 'teams', columns: [] }));
    }
    const hasSlug = await queryRunner.hasColumn('teams', 'slug');
    if (!hasSlug) await queryRunner.addColumn('teams', new TableColumn({ name: 'slug', type: 'varchar' }));
    if (!(await queryRunner.hasColumn('teams', 'slug'))) await queryRunner.addColumn('teams', new TableColumn({ name: 'motto', type: 'text' }));
    await queryRunner.createIndex('teams', new TableIndex({ name: 'IDX_teams_slug', columnNames: ['slug'] }));
  }
  public async down(queryRunner: QueryRunner): Promise<void> {
    if (await queryRunner.hasColumn('teams', 'slug')) await queryRunner.dropColumn('teams', 'slug');
    await queryRunner.dropColumn('teams', 'motto', true);
    await queryRunner.dropColumn('teams', 'name');
  }
}
`,
    operations: [
      { kind: 'queryRunner.createTable', target: 'teams', guarded: true, line: 7 },
      { kind: 'queryRunner.createIndex', target: 'teams', guarded: true, line: 8 },
      { kind: 'queryRunner.createTable', target: 'teams', guarded: false, line: 11 },
      { kind: 'queryRunner.addColumn', target: 'teams.slug', guarded: true, line: 14 },
      { kind: 'queryRunner.addColumn', target: 'teams.motto', guarded: false, line: 15 },
      { kind: 'queryRunner.createIndex', target: 'teams', guarded: false, line: 16 },
      { kind: 'queryRunner.dropColumn', target: 'teams.slug', guarded: true, line: 19 },
      { kind: 'queryRunner.dropColumn', target: 'teams.motto', guarded: true, line: 20 },
      { kind: 'queryRunner.dropColumn', target: 'teams.name', guarded: false, line: 21 },
    ],
  },
  {
    name: 'an early return and a look-up (getTable, a catalog query) guard what follows them',
    code: `${header}
export class Tasks1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    const tasks = await queryRunner.getTable('tasks');
    if (!tasks?.findColumnByName('estimate')) {
      await queryRunner.addColumn('tasks', new TableColumn({ name: 'estimate', type: 'int' }));
    }
    const rows = await queryRunner.query(\`SELECT 1 FROM information_schema.columns WHERE table_name = 'tasks' AND column_name = 'due_on'\`);
    if (rows.length === 0) {
      await queryRunner.query(\`ALTER TABLE "tasks" ADD "due_on" date\`);
    }
    if (await queryRunner.hasTable('archive')) return;
    await queryRunner.createTable(new Table({ name: 'archive', columns: [] }));
  }
  public async down(queryRunner: QueryRunner): Promise<void> {
    const [{ exists }] = await queryRunner.query(\`SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'IDX_x') AS "exists"\`);
    if (exists) await queryRunner.dropIndex('tasks', 'IDX_x');
  }
}
`,
    operations: [
      { kind: 'queryRunner.addColumn', target: 'tasks.estimate', guarded: true, line: 7 },
      { kind: 'ALTER TABLE ADD COLUMN', target: 'tasks.due_on', guarded: true, line: 11 },
      { kind: 'queryRunner.createTable', target: 'archive', guarded: true, line: 14 },
      { kind: 'queryRunner.dropIndex', target: 'tasks', guarded: true, line: 18 },
    ],
  },
  {
    name: 'a value computed from a look-up guards as the look-up does',
    code: `${header}
export class AddTasksAddress1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    const table = await queryRunner.getTable('tasks');
    const columnExists = table.columns.some((column) => column.name === 'address');
    if (columnExists) {
      return;
    }
    await queryRunner.addColumn('tasks', new TableColumn({ name: 'address', type: 'varchar' }));
  }
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('tasks', 'address');
  }
}
`,
    operations: [
      { kind: 'queryRunner.addColumn', target: 'tasks.address', guarded: true, line: 10 },
      { kind: 'queryRunner.dropColumn', target: 'tasks.address', guarded: false, line: 13 },
    ],
  },
  {
    name: 'compiled CommonJS with another parameter name and queryRunner.manager.query',
    file: 'migration.cjs',
    code: `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
class AddTags1700000000000 {
    constructor() {
        this.name = 'AddTags1700000000000';
    }
    async up(qr) {
        await qr.manager.query(\`CREATE TABLE "tags" ("id" SERIAL PRIMARY KEY)\`);
        await qr.renameColumn('posts', 'tag', 'tag_id');
    }
    async down(qr) {
        await qr.dropForeignKey('posts', 'FK_posts_tag', true);
        await qr.dropIndex('posts', 'IDX_posts_tag');
    }
}
exports.AddTags1700000000000 = AddTags1700000000000;
`,
    operations: [
      { kind: 'CREATE TABLE', target: 'tags', guarded: false, line: 8 },
      { kind: 'queryRunner.renameColumn', target: 'posts.tag', guarded: false, line: 9 },
      { kind: 'queryRunner.dropForeignKey', target: 'posts', guarded: true, line: 12 },
      { kind: 'queryRunner.dropIndex', target: 'posts', guarded: false, line: 13 },
    ],
  },
  {
    name: 'schemas and views',
    code: `${header}
export class Reporting1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createSchema('reporting', true);
    await queryRunner.createSchema('audit');
    await queryRunner.query('CREATE OR REPLACE VIEW reporting.totals AS SELECT 1 AS one');
  }
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropView('reporting.totals');
    await queryRunner.dropSchema('reporting', true, true);
  }
}
`,
    operations: [
      { kind: 'queryRunner.createSchema', target: 'reporting', guarded: true, line: 5 },
      { kind: 'queryRunner.createSchema', target: 'audit', guarded: false, line: 6 },
      { kind: 'CREATE VIEW', target: 'reporting.totals', guarded: true, line: 7 },
      { kind: 'queryRunner.dropView', target: 'reporting.totals', guarded: false, line: 10 },
      { kind: 'queryRunner.dropSchema', target: 'reporting', guarded: true, line: 11 },
    ],
  },
];

describe('analyseTypeormSource: operations and guards', () => {
  for (const testCase of cases) {
    it(testCase.name, async () => {
      expect(await operations(testCase.code, testCase.file)).toEqual(testCase.operations.map((o) => expect.objectContaining(o)));
    });
  }

  it('suggests the framework’s own flag or check', async () => {
    const model = await analyseTypeormSource(`${header}
export class A1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner) {
    await queryRunner.createTable(new Table({ name: 'orgs', columns: [] }));
    await queryRunner.addColumn('orgs', new TableColumn({ name: 'slug', type: 'text' }));
  }
  async down(queryRunner: QueryRunner) {
    await queryRunner.dropColumn('orgs', 'slug');
  }
}
`, 'm.ts');
    expect(model.operations.map((o) => o.fix)).toEqual([
      "pass `ifNotExists`: `queryRunner.createTable(new Table({ name: 'orgs', … }), true)`",
      "check first: `if (!(await queryRunner.hasColumn('orgs', 'slug'))) { … }`",
      "pass `ifExists` (TypeORM 1.x): `queryRunner.dropColumn('orgs', 'slug', true)`, or check first: `if (await queryRunner.hasColumn('orgs', 'slug')) { … }`",
    ]);
  });
});

describe('analyseTypeormSource: up, down and transactions', () => {
  it('locates up and down, and a down that does nothing', async () => {
    const model = await analyseTypeormSource(`${header}
export class A1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('SELECT 1');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // irreversible
  }
}
`, 'm.ts');
    expect(model.up).toMatchObject({ line: 4 });
    expect(model.down).toMatchObject({ status: 'present', empty: true, loc: { line: 8 } });
    expect(model.transactional).toBe(true);
  });

  it('a class without down has none; arrow-function members count as methods', async () => {
    expect((await analyseTypeormSource('export class A1700000000000 { async up(queryRunner) {} }\n', 'm.js')).down).toMatchObject({ status: 'missing', loc: { line: 1 } });
    const arrows = await analyseTypeormSource(`export class A1700000000000 {
  up = async (queryRunner) => { await queryRunner.dropTable('a'); };
  down = async (queryRunner) => {};
}
`, 'm.js');
    expect(arrows.down).toMatchObject({ status: 'present', empty: true, loc: { line: 3 } });
    expect(arrows.operations).toEqual([
      expect.objectContaining({ kind: 'queryRunner.dropTable', target: 'a', guarded: false, loc: expect.objectContaining({ line: 2 }) }),
    ]);
  });

  it('a down that only throws cannot roll back: no down', async () => {
    const model = await analyseTypeormSource(`export class A1700000000000 {
  async up(queryRunner) { await queryRunner.query('DROP TABLE IF EXISTS legacy_sessions'); }
  async down(queryRunner) {
    throw new Error('Irreversible: legacy_sessions is gone');
  }
}
`, 'm.js');
    expect(model.down).toMatchObject({ status: 'missing', loc: { line: 3 } });
  });

  it('`transaction = false` (field or compiled constructor) and CONCURRENTLY make it non-transactional', async () => {
    const field = await analyseTypeormSource(`export class A1700000000000 { public transaction = false; async up(queryRunner) {} async down(queryRunner) {} }\n`, 'm.ts');
    const compiled = await analyseTypeormSource(`class A1700000000000 { constructor() { this.transaction = false; } async up(queryRunner) {} async down(queryRunner) {} }\nexports.A1700000000000 = A1700000000000;\n`, 'm.cjs');
    const concurrently = await analyseTypeormSource(`export class A1700000000000 {
  async up(queryRunner) { await queryRunner.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON a (b)'); }
  async down(queryRunner) {}
}
`, 'm.js');
    const kept = await analyseTypeormSource(`export class A1700000000000 { transaction = true; async up(queryRunner) {} async down(queryRunner) {} }\n`, 'm.ts');
    expect([field.transactional, compiled.transactional, concurrently.transactional, kept.transactional]).toEqual([false, false, false, true]);
  });

  it('reports a syntax error and nothing else', async () => {
    const model = await analyseTypeormSource(`export class A1700000000000 {
  async up(queryRunner) {
    await queryRunner.query('SELECT 1';
  }
}
`, 'broken.ts');
    expect(model.parseError).toMatchObject({ loc: { file: 'broken.ts', line: 3 } });
    expect(model.operations).toEqual([]);
  });

  it('collects rollsafe directives', async () => {
    const model = await analyseTypeormSource(`export class A1700000000000 {
  async up(queryRunner) {
    // rollsafe-disable-next-line require-guard -- created by the platform's bootstrap
    await queryRunner.createTable(new Table({ name: 'audit', columns: [] }));
  }
  async down(queryRunner) { await queryRunner.dropTable('audit', true); }
}
`, 'm.ts');
    expect(model.directives).toEqual([
      expect.objectContaining({ kind: 'disable-next-line', rules: ['require-guard'], appliesToLine: 4, reason: "created by the platform's bootstrap" }),
    ]);
  });
});

describe("analyseTypeormSource: the project's own guard helpers and names built from templates", () => {
  const helper = `async function hasColumn(queryRunner: QueryRunner, table: string, column: string): Promise<boolean> {
  const rows = await queryRunner.query(
    \`SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2\`,
    [table, column],
  );
  return rows.length > 0;
}
`;
  const migration = (guard: string, unguard: string) => `${header}
const tableName = 'apikey';
const columnName = 'scopes';

export class AddScopes1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    if (${guard}) {
      await queryRunner.query(\`ALTER TABLE "\${tableName}" ADD COLUMN "\${columnName}" text\`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    if (${unguard}) {
      await queryRunner.query(\`ALTER TABLE "\${tableName}" DROP COLUMN "\${columnName}"\`);
    }
  }
}
`;

  it('a local hasColumn helper querying information_schema guards what it wraps; constants name the column', async () => {
    const code = `${migration('!(await hasColumn(queryRunner, tableName, columnName))', 'await hasColumn(queryRunner, tableName, columnName)')}\n${helper}`;
    expect(await operations(code)).toEqual([
      { kind: 'ALTER TABLE ADD COLUMN', target: 'apikey.scopes', guarded: true, line: 9, direction: 'up' },
      { kind: 'ALTER TABLE DROP COLUMN', target: 'apikey.scopes', guarded: true, line: 15, direction: 'down' },
    ]);
  });

  it('a helper imported from a module of the project guards too; a helper that checks nothing does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-typeorm-helpers-'));
    mkdirSync(join(dir, 'utils'));
    writeFileSync(join(dir, 'utils', 'db.ts'), `import { QueryRunner } from 'typeorm';\nexport ${helper}\nexport async function log(queryRunner: QueryRunner, table: string, column: string): Promise<boolean> {\n  return Boolean(table && column);\n}\n`);
    const imported = `import { hasColumn, log } from './utils/db';\n${migration('!(await hasColumn(queryRunner, tableName, columnName))', 'await log(queryRunner, tableName, columnName)')}`;
    const found = await operations(imported, join(dir, '1700000000000-AddScopes.ts'));
    expect(found.map((o) => [o.direction, o.guarded])).toEqual([
      ['up', true],
      ['down', false],
    ]);
  });

  it('a name computed at run time is printed as written, never as a placeholder', async () => {
    const code = `${header}
export class AddScopes1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    const table = process.env.TABLE!;
    await queryRunner.query(\`ALTER TABLE "\${table}" ADD COLUMN "scopes" text\`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {}
}
`;
    expect((await operations(code))[0]).toMatchObject({ kind: 'ALTER TABLE ADD COLUMN', target: '${table}.scopes', guarded: false });
  });
});
