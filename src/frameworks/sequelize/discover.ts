// Which files sequelize-cli runs from a migrations folder, in its order, and where .sequelizerc
// says that folder is.
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { MigrationFile } from '../../types.js';

// sequelize-cli's getMigrator (src/core/migrator.js): `pattern: /^(?!.*\.d\.ts$).*\.(cjs|js|cts|ts)$/`;
// .mjs/.mts added for umzug 3 projects, whose globs commonly name them.
const migrationPattern = /^(?!.*\.d\.[cm]?ts$).*\.(?:cjs|js|cts|ts|mjs|mts)$/;

/**
 * The migrations sequelize-cli would run from `dir`, as it orders them: umzug 2's `_findMigrations`
 * sorts by file name (`a.file > b.file`, code-unit order; umzug 3 sorts the glob's paths the same
 * way); the id is the file name, which SequelizeMeta records.
 */
export async function listSequelizeMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() || entry.isSymbolicLink())
    .map((entry) => entry.name)
    .filter((name) => migrationPattern.test(name))
    .sort()
    .map((name) => ({ id: name, path: join(dir, name) }));
}

const exportsUp = /\bexports\.up\s*=|\bexport\s+(?:async\s+)?function\s+up\b|\bexport\s+const\s+up\b|(?:module\.exports\s*=|export\s+default)\s*\{[^]*\bup\b/;
const usesQueryInterface = /\bqueryInterface\b|\bQueryInterface\b|\{\s*context\b|\bcontext\s*:\s*\w+\s*\}|['"](?:@sequelize\/core|sequelize)['"]/;

/** A file exporting `up` that drives a Sequelize query interface (a cheap text test: no parsing). */
export function claimsSequelizeMigration(path: string, source: string): boolean {
  if (!migrationPattern.test(path.split(/[\\/]/).pop() ?? '')) return false;
  if (/\bpgm\s*\.\s*\w+\s*\(|\bMigrationBuilder\b|\bMigrationInterface\b|\bknex\.schema\b/.test(source)) return false;
  return exportsUp.test(source) && usesQueryInterface.test(source);
}

/**
 * The migrations folder `.sequelizerc` names (`'migrations-path': path.resolve('db', 'migrations')`),
 * read without running it; undefined when there is no .sequelizerc or it computes the path.
 */
export function sequelizercMigrationsPath(projectDir: string): string | undefined {
  const rc = join(projectDir, '.sequelizerc');
  if (!existsSync(rc)) return undefined;
  const source = readFileSync(rc, 'utf8');
  const entry = /['"]?migrations-path['"]?\s*:\s*(.+?)\s*,?\s*(?:\}\s*;?\s*)?$/m.exec(source)?.[1].trim();
  if (!entry) return undefined;
  const literal = /^['"`]([^'"`]+)['"`]$/.exec(entry);
  if (literal) return resolve(projectDir, literal[1]);
  // path.resolve('a', 'b') / path.join(__dirname, 'a', 'b'): literal segments only.
  const call = /^path\.(?:resolve|join)\(\s*(.*)\)$/.exec(entry);
  if (!call) return undefined;
  const parts = call[1].split(',').map((part) => part.trim()).filter((part) => part !== '__dirname' && part !== 'process.cwd()');
  const segments = parts.map((part) => /^['"`]([^'"`]+)['"`]$/.exec(part)?.[1]);
  return segments.every((segment) => segment !== undefined) ? resolve(projectDir, ...(segments as string[])) : undefined;
}
