// Which files MikroORM's Migrator runs from a migrations folder, in its order, under the name it
// records in `mikro_orm_migrations`.
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { MigrationFile } from '../../types.js';

// @mikro-orm/core Configuration defaults: `migrations.glob: '!(*.d).{js,ts,cjs}'`, no subfolders, no dotfiles.
const globExtensions = new Set(['.js', '.ts', '.cjs']);

/**
 * The migrations MikroORM would run from `dir`. Migrator.createUmzug hands umzug that glob; umzug
 * (`Umzug.getMigrationsResolver`) sorts the absolute paths with a plain `paths.sort()`, and
 * MigrationStorage.getMigrationName records the base name with `.js`/`.ts` stripped (`.cjs` kept).
 */
export async function listMikroOrmMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => entry.name)
    .filter((name) => !name.startsWith('.') && globExtensions.has(extname(name)) && !/\.d\.[jt]s$|\.d\.cjs$/.test(name))
    .sort()
    .map((name) => ({ id: recordedName(name), path: join(dir, name) }));
}

/** MigrationStorage.getMigrationName: `.js` and `.ts` are stripped, any other extension stays. */
export function recordedName(fileName: string): string {
  const extension = extname(fileName);
  return extension === '.js' || extension === '.ts' ? fileName.slice(0, -extension.length) : fileName;
}

const extendsMigration = /\bclass\s+\w+\s+extends\s+(?:[\w$]+\.)?Migration\b/;
const mikroOrmText = /@mikro-orm\/|\bthis\s*\.\s*addSql\s*\(/;

/** A class extending `Migration` that queues SQL or imports MikroORM (a cheap text test: no parsing). */
export function claimsMikroOrmMigration(path: string, source: string): boolean {
  if (!globExtensions.has(extname(path)) || /\.d\.[jt]s$/.test(path)) return false;
  // TypeORM's classes implement MigrationInterface; they never extend a class called Migration.
  if (/\bMigrationInterface\b|\bQueryRunner\b/.test(source)) return false;
  return extendsMigration.test(source) && mikroOrmText.test(source);
}
