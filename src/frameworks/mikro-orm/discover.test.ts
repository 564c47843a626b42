import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsMikroOrmMigration, listMikroOrmMigrations, recordedName } from './discover.js';

describe('listMikroOrmMigrations', () => {
  it("takes the files of MikroORM's default glob, sorted, named as mikro_orm_migrations records them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-mikro-'));
    for (const name of [
      'Migration20240201000000.ts',
      'Migration20240101000000_init.ts',
      'Migration20240301000000.cjs',
      'Migration20240115000000.js',
      'Migration20240101000000_init.d.ts',
      'Migration20240401000000.mjs',
      '.snapshot-app.json',
      'README.md',
    ]) {
      writeFileSync(join(dir, name), '');
    }
    mkdirSync(join(dir, 'archive'));
    writeFileSync(join(dir, 'archive', 'Migration20230101000000.ts'), '');
    const migrations = await listMikroOrmMigrations(dir);
    expect(migrations.map((m) => m.id)).toEqual([
      'Migration20240101000000_init',
      'Migration20240115000000',
      'Migration20240201000000',
      'Migration20240301000000.cjs',
    ]);
    expect(migrations[0].path).toBe(join(dir, 'Migration20240101000000_init.ts'));
  });

  it('strips only .js and .ts (MigrationStorage.getMigrationName)', () => {
    expect(recordedName('Migration1.ts')).toBe('Migration1');
    expect(recordedName('Migration1.js')).toBe('Migration1');
    expect(recordedName('Migration1.cjs')).toBe('Migration1.cjs');
  });
});

describe('claimsMikroOrmMigration', () => {
  const generated = `import { Migration } from '@mikro-orm/migrations';\nexport class Migration20240101 extends Migration {\n  async up() { this.addSql('select 1'); }\n}\n`;
  it('claims a generated migration, in TS and compiled JS', () => {
    expect(claimsMikroOrmMigration('/m/Migration20240101.ts', generated)).toBe(true);
    const compiled = `const migrations_1 = require("@mikro-orm/migrations");\nclass Migration20240101 extends migrations_1.Migration {\n  async up() { this.addSql('select 1'); }\n}\nexports.Migration20240101 = Migration20240101;\n`;
    expect(claimsMikroOrmMigration('/m/Migration20240101.js', compiled)).toBe(true);
  });
  it('leaves TypeORM classes, knex modules and declaration files alone', () => {
    expect(claimsMikroOrmMigration('/m/1700-init.ts', `import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class Init implements MigrationInterface { async up(q: QueryRunner) {} }\n`)).toBe(false);
    expect(claimsMikroOrmMigration('/m/001.ts', `export async function up(knex) { await knex.schema.createTable('x', () => {}); }\n`)).toBe(false);
    expect(claimsMikroOrmMigration('/m/Migration20240101.d.ts', generated)).toBe(false);
  });
});

describe('per-module migration folders', () => {
  it('each folder is detected as MikroORM and listed as its own set, with its own history', async () => {
    const { buildSet, detectFramework } = await import('../../discover/index.js');
    const root = mkdtempSync(join(tmpdir(), 'rollsafe-mikro-monorepo-'));
    // MikroORM 6 projects depend on knex too: the migrations' own text decides.
    writeFileSync(join(root, 'package.json'), JSON.stringify({ dependencies: { '@mikro-orm/migrations': '^6.4.0', knex: '^3.1.0' } }));
    const generated = (name: string) =>
      `import { Migration } from '@mikro-orm/migrations';\nexport class ${name} extends Migration {\n  async up() { this.addSql('select 1'); }\n}\n`;
    const modules = { order: ['Migration20240101000000', 'Migration20240301000000'], product: ['Migration20240201000000'] };
    for (const [module, names] of Object.entries(modules)) {
      const dir = join(root, 'packages', module, 'src', 'migrations');
      mkdirSync(dir, { recursive: true });
      for (const name of names) writeFileSync(join(dir, `${name}.ts`), generated(name));
    }
    for (const [module, names] of Object.entries(modules)) {
      const dir = join(root, 'packages', module, 'src', 'migrations');
      expect(detectFramework(dir)).toBe('mikro-orm');
      const set = await buildSet(dir, 'mikro-orm');
      expect(set.migrations.map((m) => m.id)).toEqual(names);
    }
  });
});
