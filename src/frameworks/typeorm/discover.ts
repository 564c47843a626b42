// Which files TypeORM runs from a migrations folder, in its order. TypeORM loads every exported
// class of the globbed files (importClassesFromDirectories), then MigrationExecutor.getMigrations
// names each by `instance.name ?? constructor.name`, parses the timestamp from the name's last 13
// characters and sorts by it (a stable sort: ties keep load order, i.e. file order).
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { MigrationFile } from '../../types.js';

// importClassesFromDirectories' default formats; declaration files are skipped as TypeORM does.
const readableExtensions = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

const isDeclaration = (name: string) => /\.d\.[cm]?ts$/.test(name);

/** The class a migration file declares with an `up` method, and the `name` property it may set. */
export function migrationName(source: string): string | undefined {
  const declared = /\bclass\s+([A-Za-z_$][\w$]*)[^{]*\{/.exec(source);
  // Generated migrations set `name = 'AddUsers1700000000000'`; TypeORM records that over the class name.
  const named = /^\s*(?:public\s+|readonly\s+|override\s+)*name\s*(?::\s*string\s*)?=\s*['"`]([^'"`]+)['"`]/m.exec(source)
    ?? /\bthis\.name\s*=\s*['"`]([^'"`]+)['"`]/.exec(source);
  return named?.[1] ?? declared?.[1];
}

/** `parseInt(name.slice(-13), 10)`, as MigrationExecutor.getMigrations reads it. */
export function migrationTimestamp(name: string): number {
  return parseInt(name.slice(-13), 10);
}

/** The migrations TypeORM would run from `dir`, in its order; the id is the name its `migrations` table records. */
export async function listTypeormMigrations(dir: string): Promise<MigrationFile[]> {
  return listTypeormMigrationsIn([dir]);
}

/**
 * The migrations of several folders (a DataSource's `migrations` globs), as one history: TypeORM loads
 * the classes of every glob, then sorts them all by timestamp (stable: ties keep load order).
 */
export async function listTypeormMigrationsIn(dirs: string[]): Promise<MigrationFile[]> {
  const found: (MigrationFile & { timestamp: number })[] = [];
  for (const dir of dirs) {
    const entries = await readdir(dir, { withFileTypes: true });
    const names = entries
      .filter((entry) => entry.isFile() || entry.isSymbolicLink())
      .map((entry) => entry.name)
      .filter((name) => readableExtensions.has(extname(name)) && !isDeclaration(name))
      .sort();
    for (const name of names) {
      const path = join(dir, name);
      const source = await readFile(path, 'utf8');
      if (!claimsTypeormMigration(path, source)) continue;
      const id = migrationName(source) ?? name;
      found.push({ id, path, timestamp: migrationTimestamp(id) });
    }
  }
  // TypeORM refuses names without a timestamp; they are kept (last) so the load error is reported on them.
  const key = (m: { timestamp: number }) => (Number.isNaN(m.timestamp) || !m.timestamp ? Infinity : m.timestamp);
  return found.sort((a, b) => key(a) - key(b) || 0).map(({ id, path }) => ({ id, path }));
}

/** A class with an `up(queryRunner)` method, the shape of MigrationInterface (a cheap text test). */
export function claimsTypeormMigration(path: string, source: string): boolean {
  if (!readableExtensions.has(extname(path)) || isDeclaration(path)) return false;
  if (!/\bclass\s+[A-Za-z_$]/.test(source)) return false;
  return /\bMigrationInterface\b|\bQueryRunner\b|\bqueryRunner\b/.test(source) && /\bup\s*\(/.test(source);
}
