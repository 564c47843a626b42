import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsSequelizeMigration, listSequelizeMigrations, sequelizercMigrationsPath } from './discover.js';

describe('listSequelizeMigrations', () => {
  it("lists sequelize-cli's pattern sorted by file name (umzug 2 _findMigrations), id = file name as SequelizeMeta records it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-sequelize-'));
    for (const name of ['20240102-b.ts', '20240101-a.js', 'types.d.ts', 'README.md', '20240103-c.cjs', '20240104-d.mjs', 'seed.json']) {
      await writeFile(join(dir, name), '');
    }
    await mkdir(join(dir, 'helpers.js'));
    const listed = await listSequelizeMigrations(dir);
    expect(listed.map((m) => m.id)).toEqual(['20240101-a.js', '20240102-b.ts', '20240103-c.cjs', '20240104-d.mjs']);
    expect(listed[0].path).toBe(join(dir, '20240101-a.js'));
  });
});

describe('claimsSequelizeMigration', () => {
  it('claims sequelize-cli and umzug migrations', () => {
    expect(claimsSequelizeMigration('m.js', "module.exports = { async up(queryInterface, Sequelize) { await queryInterface.createTable('a', {}); } };")).toBe(true);
    expect(claimsSequelizeMigration('m.ts', "export const up = async ({ context: qi }) => { await qi.addColumn('a', 'b', {}); };")).toBe(true);
  });
  it('leaves knex, node-pg-migrate, TypeORM and declaration files alone', () => {
    expect(claimsSequelizeMigration('m.js', "exports.up = (knex) => knex.schema.createTable('a', () => {});")).toBe(false);
    expect(claimsSequelizeMigration('m.js', "exports.up = (pgm) => { pgm.createTable('a', {}); };")).toBe(false);
    expect(claimsSequelizeMigration('m.ts', 'export class A implements MigrationInterface { async up(queryRunner) {} }')).toBe(false);
    expect(claimsSequelizeMigration('m.d.ts', 'export function up(queryInterface: QueryInterface): Promise<void>;')).toBe(false);
  });
});

describe('sequelizercMigrationsPath', () => {
  it("reads 'migrations-path' from .sequelizerc without running it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-sequelizerc-'));
    await writeFile(join(dir, '.sequelizerc'), "const path = require('path');\nmodule.exports = {\n  config: path.resolve('config', 'database.json'),\n  'migrations-path': path.resolve('db', 'migrations'),\n};\n");
    expect(sequelizercMigrationsPath(dir)).toBe(join(dir, 'db/migrations'));
    await writeFile(join(dir, '.sequelizerc'), "module.exports = { 'migrations-path': 'src/migrations' };\n");
    expect(sequelizercMigrationsPath(dir)).toBe(join(dir, 'src/migrations'));
    await writeFile(join(dir, '.sequelizerc'), "module.exports = { 'migrations-path': path.resolve(process.env.DIR, 'm') };\n");
    expect(sequelizercMigrationsPath(dir)).toBeUndefined();
  });
});
