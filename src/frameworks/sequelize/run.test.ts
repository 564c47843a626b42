import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../engines/index.js';
import { importMigration, requireFromProject } from '../../load/index.js';
import { MigrationRunError, type MigrationSet } from '../../types.js';
import { createSequelizeRunner, isCatalogRead, usesUmzugContext } from './run.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('usesUmzugContext', () => {
  it('tells umzug `({ context })` from sequelize-cli `(queryInterface, Sequelize)`', () => {
    expect(usesUmzugContext(async ({ context }: { context: unknown }) => context)).toBe(true);
    expect(usesUmzugContext(async function up({ context: qi }: { context: unknown }) { return qi; })).toBe(true);
    expect(usesUmzugContext(async (params: { context: unknown }) => params.context)).toBe(true);
    expect(usesUmzugContext(async (queryInterface: unknown, Sequelize: unknown) => [queryInterface, Sequelize])).toBe(false);
    expect(usesUmzugContext(async function up(queryInterface: unknown) { return queryInterface; })).toBe(false);
  });
});

describe('isCatalogRead', () => {
  it("is Sequelize's own catalog SELECTs, not the migration's DDL", () => {
    expect(isCatalogRead('SELECT t.typname enum_name FROM pg_type t JOIN pg_enum e ON t.oid = e.enumtypid')).toBe(true);
    expect(isCatalogRead("SELECT column_name FROM information_schema.columns WHERE table_name = 'a'")).toBe(true);
    expect(isCatalogRead('ALTER TABLE pg_users ADD COLUMN a int')).toBe(false);
    expect(isCatalogRead('SELECT * FROM users')).toBe(false);
  });
});

describe('createSequelizeRunner on pg-mem', () => {
  it("runs both forms through the project's sequelize; a failure carries the migration's line", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-sequelize-run-'));
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true }));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const cliForm = join(dir, 'migrations/001-users.js');
    writeFileSync(
      cliForm,
      `module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('users', { id: { type: Sequelize.INTEGER, primaryKey: true } });
    await queryInterface.addColumn('users', 'email', { type: Sequelize.STRING });
  },
  async down(queryInterface) {
    await queryInterface.dropTable('users');
  },
};
`,
    );
    const umzugForm = join(dir, 'migrations/002-users-name.js');
    writeFileSync(
      umzugForm,
      `exports.up = async ({ context: queryInterface }) => {
  await queryInterface.sequelize.query('ALTER TABLE users ADD COLUMN name text');
};
exports.down = async ({ context: queryInterface }) => {
  await queryInterface.removeColumn('users', 'name');
};
`,
    );
    const set: MigrationSet = { dir: join(dir, 'migrations'), framework: 'sequelize', projectDir: dir, migrations: [] };
    const engine = await createEngine('pg-mem');
    const runner = await createSequelizeRunner({
      engine,
      set,
      importMigration: (path) => importMigration(path, dir),
      requireFromProject: (specifier) => requireFromProject(specifier, dir),
    });
    try {
      await runner.run({ id: '001-users.js', path: cliForm }, 'up');
      await runner.run({ id: '002-users-name.js', path: umzugForm }, 'up');
      const columns = Object.keys((await engine.snapshot()).tables.users.columns);
      expect(columns.sort()).toEqual(['email', 'id', 'name']);

      const again = await runner.run({ id: '001-users.js', path: cliForm }, 'up').catch((error: unknown) => error);
      expect(again).toBeInstanceOf(MigrationRunError);
      expect((again as MigrationRunError).message).toMatch(/email/);
      expect((again as MigrationRunError).loc).toMatchObject({ file: cliForm, line: 4 });

      // describeTable's information_schema query is beyond pg-mem: answered from its snapshot, the guard holds.
      const guarded = join(dir, 'migrations/003-users-locale.js');
      writeFileSync(
        guarded,
        `module.exports = {
  async up(queryInterface, Sequelize) {
    const columns = await queryInterface.describeTable('users');
    if (!columns.locale) await queryInterface.addColumn('users', 'locale', { type: Sequelize.STRING(10) });
  },
  async down(queryInterface) {
    const columns = await queryInterface.describeTable('users');
    if (columns.locale) await queryInterface.removeColumn('users', 'locale');
  },
};
`,
      );
      for (const direction of ['up', 'up', 'down', 'down', 'up'] as const) await runner.run({ id: '003-users-locale.js', path: guarded }, direction);
      expect(Object.keys((await engine.snapshot()).tables.users.columns)).toContain('locale');

      await runner.run({ id: '002-users-name.js', path: umzugForm }, 'down');
      const downAgain = await runner.run({ id: '002-users-name.js', path: umzugForm }, 'down').catch((error: unknown) => error);
      expect((downAgain as MigrationRunError).loc).toMatchObject({ file: umzugForm, line: 5 });
    } finally {
      await runner.close();
      await engine.close();
    }
  });
});
