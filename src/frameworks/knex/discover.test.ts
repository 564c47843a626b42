import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsKnexMigration, listKnexMigrations } from './discover.js';

describe('listKnexMigrations', () => {
  it('lists migration modules sorted by file name, as knex FsMigrations does, id = file name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-knex-'));
    for (const name of ['20240102_b.ts', '20240101_a.js', 'types.d.ts', 'README.md', '20240103_c.cjs', 'Z_upper.mjs']) {
      await writeFile(join(dir, name), '');
    }
    await mkdir(join(dir, 'helpers.js'));
    const listed = await listKnexMigrations(dir);
    expect(listed.map((m) => m.id)).toEqual(['20240101_a.js', '20240102_b.ts', '20240103_c.cjs', 'Z_upper.mjs']);
    expect(listed[0].path).toBe(join(dir, '20240101_a.js'));
  });
});

describe('claimsKnexMigration', () => {
  it('claims modules exporting up that drive knex.schema or knex.raw', () => {
    expect(claimsKnexMigration('m.ts', "export async function up(knex: Knex) { await knex.schema.createTable('a', () => {}); }")).toBe(true);
    expect(claimsKnexMigration('m.js', "exports.up = (knex) => knex.raw('select 1');")).toBe(true);
  });
  it('leaves node-pg-migrate, TypeORM and non-migrations alone', () => {
    expect(claimsKnexMigration('m.js', "exports.up = (pgm) => { pgm.createTable('a', {}); };")).toBe(false);
    expect(claimsKnexMigration('m.ts', 'export class A implements MigrationInterface { async up() {} }')).toBe(false);
    expect(claimsKnexMigration('m.ts', "export const schema = db.schema.createTable('a');")).toBe(false);
    expect(claimsKnexMigration('m.d.ts', 'export function up(knex: Knex): Promise<void>;')).toBe(false);
  });
});
