// Which files knex runs from a migrations folder, in its order (FsMigrations: sort by file name).
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { MigrationFile } from '../../types.js';

// knex's DEFAULT_LOAD_EXTENSIONS minus the CoffeeScript family, which nobody writes migrations in any more.
const readableExtensions = new Set(['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts']);

/** The migrations knex would run from `dir`, as it orders them; the id is the file name it records. */
export async function listKnexMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => entry.name)
    .filter((name) => readableExtensions.has(extname(name)) && !/\.d\.[cm]?ts$/.test(name))
    // lodash sortBy on the file name: plain code-unit order, as Array.prototype.sort.
    .sort()
    .map((name) => ({ id: name, path: join(dir, name) }));
}

/** knex's `directory: [a, b]`: every folder's files in one list, sorted by file name (sortDirsSeparately off). */
export async function listKnexMigrationsIn(dirs: string[]): Promise<MigrationFile[]> {
  const all = (await Promise.all(dirs.map(listKnexMigrations))).flat();
  return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const exportsUp = /\bexports\.up\s*=|\bexport\s+(?:async\s+)?function\s+up\b|\bexport\s+const\s+up\b|module\.exports\s*=\s*\{[^]*\bup\b/;
const usesKnexSchema = /\.schema\s*\.\s*\w+\s*\(|\bknex\s*\.\s*raw\s*\(|\bKnex\b/;

/** A file exporting `up` that drives `knex.schema` or `knex.raw` (a cheap text test: no parsing). */
export function claimsKnexMigration(path: string, source: string): boolean {
  if (!readableExtensions.has(extname(path)) || /\.d\.[cm]?ts$/.test(path)) return false;
  if (/\bpgm\s*\.\s*\w+\s*\(|\bMigrationBuilder\b|\bMigrationInterface\b|\bqueryInterface\b/.test(source)) return false;
  return exportsUp.test(source) && usesKnexSchema.test(source);
}
