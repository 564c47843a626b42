import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsNodePgMigrateMigration, compareMigrationNames, listNodePgMigrateMigrations } from './discover.js';

describe('listNodePgMigrateMigrations', () => {
  it('orders by numeric prefix, then numerically by name, skipping dotfiles; id = name without extension', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollsafe-npm-'));
    for (const name of ['1700000000000_b.js', '999_early.ts', '1600000000000_a.sql', '.eslintrc.js', 'notes.md']) {
      await writeFile(join(dir, name), '');
    }
    const listed = await listNodePgMigrateMigrations(dir);
    expect(listed.map((m) => m.id)).toEqual(['999_early', '1600000000000_a', '1700000000000_b']);
  });

  it('compares 17-digit UTC stamps with 13-digit ms timestamps by the time they stand for', () => {
    // 2023-11-14T22:13:20.000Z is 1700000000000 ms; the UTC stamp one ms later sorts after it.
    expect(compareMigrationNames('20231114221320001_b.js', '1700000000000_a.js')).toBeGreaterThan(0);
    expect(compareMigrationNames('2_b.js', '10_a.js')).toBeLessThan(0);
  });
});

describe('claimsNodePgMigrateMigration', () => {
  it('claims pgm calls, MigrationBuilder types and marked .sql files', () => {
    expect(claimsNodePgMigrateMigration('m.js', "exports.up = (pgm) => { pgm.createTable('a', {}); };")).toBe(true);
    expect(claimsNodePgMigrateMigration('m.ts', 'export async function up(b: MigrationBuilder) {}')).toBe(true);
    expect(claimsNodePgMigrateMigration('m.sql', '-- Up Migration\nSELECT 1;')).toBe(true);
  });
  it('leaves knex migrations and plain SQL alone', () => {
    expect(claimsNodePgMigrateMigration('m.js', "exports.up = (knex) => knex.schema.createTable('a', () => {});")).toBe(false);
    expect(claimsNodePgMigrateMigration('m.sql', 'CREATE TABLE a ();')).toBe(false);
  });
});
