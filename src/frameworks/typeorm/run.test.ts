import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../engines/index.js';
import { importMigration } from '../../load/index.js';
import { MigrationRunError, type Engine, type MigrationFile } from '../../types.js';
import { createTypeormRunner } from './run.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const require = createRequire(import.meta.url);

const project = mkdtempSync(join(tmpdir(), 'rollsafe-typeorm-run-'));
writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', dependencies: { typeorm: '*' } }));
symlinkSync(join(repoRoot, 'node_modules'), join(project, 'node_modules'), 'dir');

function write(name: string, source: string): MigrationFile {
  const path = join(project, name);
  writeFileSync(path, source);
  return { id: name.replace(/^\d+-(\w+)\.\w+$/, (_m, cls: string) => cls + name.slice(0, 13)), path };
}

const createOrgs = write('1700000000000-CreateOrgs.ts', `import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';

export class CreateOrgs1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(new Table({ name: 'orgs', columns: [{ name: 'id', type: 'int', isPrimary: true }] }));
    await queryRunner.addColumn('orgs', new TableColumn({ name: 'slug', type: 'varchar', isNullable: true }));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('orgs');
  }
}
`);

const indexConcurrently = (transaction: string) => `import { MigrationInterface, QueryRunner } from 'typeorm';

export class IndexOrgsSlug1700000100000 implements MigrationInterface {
  ${transaction}
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS orgs_slug_idx ON orgs (slug)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX CONCURRENTLY IF EXISTS orgs_slug_idx');
  }
}
`;

function contextFor(engine: Engine, typeormPackage = 'typeorm') {
  return {
    engine,
    set: { dir: project, framework: 'typeorm' as const, projectDir: project, migrations: [createOrgs] },
    importMigration: (path: string) => importMigration(path, project),
    requireFromProject: async <T>() => require(typeormPackage) as T,
  };
}

async function failure(promise: Promise<unknown>): Promise<MigrationRunError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MigrationRunError);
  return error as MigrationRunError;
}

describe('the TypeORM runner on PGlite', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine('pglite', { extensions: [] });
  }, 60_000);
  beforeEach(async () => engine.reset());
  afterAll(async () => engine?.close());

  for (const typeormPackage of ['typeorm', 'typeorm-0.3']) {
    it(`runs up and down through ${typeormPackage}'s QueryRunner; a second up fails at the migration's line`, async () => {
      const runner = await createTypeormRunner(contextFor(engine, typeormPackage));
      try {
        await runner.run(createOrgs, 'up');
        const columns = await engine.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'orgs' ORDER BY column_name");
        expect(columns.rows.map((row) => row.column_name)).toEqual(['id', 'slug']);
        const again = await failure(runner.run(createOrgs, 'up'));
        expect(again.message).toMatch(/already exists/);
        expect(again.loc).toMatchObject({ file: createOrgs.path, line: 5 });
        expect(again.unsupported).toBe(false);
        await runner.run(createOrgs, 'down');
        expect((await engine.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'orgs'")).rowCount).toBe(0);
      } finally {
        await runner.close();
      }
    }, 60_000);
  }

  it("runs TypeORM 0.2 through its Connection (no DataSource there), the QueryRunner's SQL at the migration's line", async () => {
    const orgs = write('1700000300000-CreateOrgsSql.ts', `import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrgsSql1700000300000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE "orgs" ("id" int PRIMARY KEY)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "orgs"');
  }
}
`);
    const runner = await createTypeormRunner(contextFor(engine, 'typeorm-0.2'));
    try {
      await runner.run(orgs, 'up');
      const again = await failure(runner.run(orgs, 'up'));
      expect(again.message).toMatch(/already exists/);
      expect(again.loc).toMatchObject({ file: orgs.path, line: 5 });
      await runner.run(orgs, 'down');
      expect((await engine.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'orgs'")).rowCount).toBe(0);
    } finally {
      await runner.close();
    }
  }, 60_000);

  it('runs up in a transaction unless the class sets `transaction = false`', async () => {
    const runner = await createTypeormRunner(contextFor(engine));
    try {
      await runner.run(createOrgs, 'up');
      const inTransaction = write('1700000100000-IndexOrgsSlug.ts', indexConcurrently(''));
      const refused = await failure(runner.run(inTransaction, 'up'));
      expect(refused.message).toMatch(/cannot run inside a transaction block/);
      expect(refused.loc).toMatchObject({ line: 6 });
      const outside = write('1700000200000-IndexOrgsSlug.ts', indexConcurrently('public transaction = false;'));
      await runner.run(outside, 'up');
      await runner.run(outside, 'down');
    } finally {
      await runner.close();
    }
  }, 60_000);
});

describe('the TypeORM runner on PGlite without uuid-ossp', () => {
  it('calls uuid_generate_v4() missing an engine limit: TypeORM creates uuid-ossp on connect for uuid entities', async () => {
    const engine = await createEngine('pglite', { extensions: [] });
    const runner = await createTypeormRunner(contextFor(engine));
    try {
      const users = write('1700000600000-CreateUsers.ts', `import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1700000600000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE IF NOT EXISTS users (id uuid DEFAULT uuid_generate_v4() PRIMARY KEY)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS users');
  }
}
`);
      const error = await failure(runner.run(users, 'up'));
      expect(error).toMatchObject({ unsupported: true, loc: expect.objectContaining({ line: 5 }) });
      expect(error.message).toMatch(/uuid_generate_v4/);
    } finally {
      await runner.close();
      await engine.close();
    }
  }, 60_000);
});

describe('the TypeORM runner on pg-mem', () => {
  it('connects, and hands what pg-mem cannot answer (TypeORM reading the catalog) to the fallback as unsupported', async () => {
    const engine = await createEngine('pg-mem');
    const runner = await createTypeormRunner(contextFor(engine));
    try {
      const error = await failure(runner.run(createOrgs, 'up'));
      expect(error.unsupported).toBe(true);
      expect(error.loc).toMatchObject({ line: 6 });
    } finally {
      await runner.close();
      await engine.close();
    }
  }, 60_000);

  it('refers CONCURRENTLY inside the migration transaction to PGlite rather than letting it pass', async () => {
    const engine = await createEngine('pg-mem');
    await engine.exec('CREATE TABLE orgs (id int PRIMARY KEY, slug text)');
    const runner = await createTypeormRunner(contextFor(engine));
    try {
      const error = await failure(runner.run(write('1700000300000-IndexOrgsSlug.ts', indexConcurrently('')), 'up'));
      expect(error).toMatchObject({ unsupported: true, loc: expect.objectContaining({ line: 6 }) });
    } finally {
      await runner.close();
      await engine.close();
    }
  }, 60_000);

  it('says which method is missing, and which class it looked for', async () => {
    const engine = await createEngine('pg-mem');
    const runner = await createTypeormRunner(contextFor(engine));
    try {
      const upOnly = write('1700000400000-UpOnly.js', 'export class UpOnly1700000400000 { async up(queryRunner) {} }\n');
      expect((await failure(runner.run(upOnly, 'down'))).message).toMatch(/no down method/);
      const helpers = write('1700000500000-Helpers.js', 'export const quote = (name) => `"${name}"`;\n');
      expect((await failure(runner.run(helpers, 'up'))).message).toMatch(/exports no migration class/);
    } finally {
      await runner.close();
      await engine.close();
    }
  }, 60_000);
});
