import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsKyselyMigration, listKyselyMigrations } from './discover.js';

const body = 'export async function up(db) {}\n';

describe('listKyselyMigrations', () => {
  it('keeps the extensions FileMigrationProvider loads, names files without their extension, sorts the names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-kysely-'));
    for (const name of ['002_b.ts', '001_a.js', 'types.d.ts', 'README.md', '003_c.cjs', '004.mts', '004-x.ts']) {
      await writeFile(join(dir, name), body);
    }
    await mkdir(join(dir, 'helpers'));
    const listed = await listKyselyMigrations(dir);
    // '004' sorts before '004-x' by name, though '004-x.ts' sorts before '004.mts' by file name.
    expect(listed.map((m) => m.id)).toEqual(['001_a', '002_b', '003_c', '004', '004-x']);
    expect(listed[0].path).toBe(join(dir, '001_a.js'));
  });

  it('leaves out helper modules that never mention up (the provider ignores them as NotMigration)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-kysely-'));
    await writeFile(join(dir, '001_a.ts'), body);
    await writeFile(join(dir, 'columns.ts'), "export const id = 'serial';\n");
    expect((await listKyselyMigrations(dir)).map((m) => m.id)).toEqual(['001_a']);
  });
});

describe('claimsKyselyMigration', () => {
  it('claims modules exporting up that import Kysely or execute its schema builder', () => {
    expect(claimsKyselyMigration('m.ts', "import { Kysely } from 'kysely';\nexport async function up(db: Kysely<any>) {}")).toBe(true);
    expect(claimsKyselyMigration('m.js', "export async function up(db) { await db.schema.createTable('a').execute(); }")).toBe(true);
  });
  it('leaves knex, node-pg-migrate, TypeORM and declaration files alone', () => {
    expect(claimsKyselyMigration('m.js', "exports.up = (knex) => knex.schema.createTable('a', () => {});")).toBe(false);
    expect(claimsKyselyMigration('m.js', "exports.up = (pgm) => { pgm.createTable('a', {}); };")).toBe(false);
    expect(claimsKyselyMigration('m.ts', 'export class A implements MigrationInterface { async up() {} }')).toBe(false);
    expect(claimsKyselyMigration('m.d.ts', "import { Kysely } from 'kysely';\nexport function up(db: Kysely<any>): Promise<void>;")).toBe(false);
  });
});
