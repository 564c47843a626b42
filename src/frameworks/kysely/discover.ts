// Which files Kysely runs from a migrations folder, in its order: FileMigrationProvider.getMigrations
// reads the folder (no subfolders), keeps `hasExpectedExtension` files, names each migration by its
// file name without the extension; Migrator.#resolveMigrations sorts those names with a plain sort().
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationFile } from '../../types.js';

/** FileMigrationProvider.hasExpectedExtension (kysely 0.29): JS/TS modules, declaration files excluded. */
export function hasKyselyExtension(name: string): boolean {
  return /\.(?:[cm]?js|[cm]?ts)$/.test(name) && !/\.d\.[cm]?ts$/.test(name);
}

/** The name kysely records in `kysely_migration`: the file name up to its last dot. */
export function kyselyMigrationName(fileName: string): string {
  return fileName.substring(0, fileName.lastIndexOf('.'));
}

// The provider imports every file and skips those without an `up` (onFileIgnored 'NotMigration'):
// a file that never even says `up` is a helper, not a migration.
const mentionsUp = /\bup\b/;

/** The migrations Kysely would run from `dir`, as it orders them; the id is the name it records. */
export async function listKyselyMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const byName = new Map<string, MigrationFile>();
  for (const entry of entries) {
    if (!(entry.isFile() || entry.isSymbolicLink()) || !hasKyselyExtension(entry.name)) continue;
    const path = join(dir, entry.name);
    if (!mentionsUp.test(await readFile(path, 'utf8'))) continue;
    // Two files with one name (`a.ts`, `a.js`): the provider keeps the one it reads last.
    byName.set(kyselyMigrationName(entry.name), { id: kyselyMigrationName(entry.name), path });
  }
  // Object.keys(migrations).sort(): code-unit order of the names, extensions left out.
  return [...byName.keys()].sort().map((name) => byName.get(name)!);
}

const exportsUp = /\bexports\.up\s*=|\bexport\s+(?:async\s+)?function\s+up\b|\bexport\s+const\s+up\b|module\.exports\s*=\s*\{[^]*\bup\b|export\s+default\s*\{[^]*\bup\b|export\s*\{[^}]*\bup\b/;
const usesKysely = /from\s+['"]kysely['"]|require\(\s*['"]kysely['"]\s*\)|\bKysely\s*</;
const usesSchemaModule = /\.schema\s*(?:\.\s*withSchema\s*\([^)]*\)\s*)?\.\s*(?:createTable|alterTable|dropTable|createIndex|dropIndex|createType|createView|createSchema)\s*\([^)]*\)[^;]*?\.\s*execute\s*\(/;

/** A module exporting `up` that imports Kysely or executes its schema builder (a cheap text test). */
export function claimsKyselyMigration(path: string, source: string): boolean {
  if (!hasKyselyExtension(path)) return false;
  if (/\bknex\s*\.\s*(?:schema|raw)\b|\bpgm\s*\.\s*\w+\s*\(|\bMigrationInterface\b|\bqueryInterface\b/.test(source)) return false;
  return exportsUp.test(source) && (usesKysely.test(source) || usesSchemaModule.test(source));
}
