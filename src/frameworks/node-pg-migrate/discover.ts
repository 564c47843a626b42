// Which files node-pg-migrate runs from a migrations folder, in its order (src/migration.ts).
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { MigrationFile } from '../../types.js';

const migrationExtensions = new Set(['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts', '.sql']);

/** The number before the first `_`: a 13-digit ms timestamp, a 17-digit UTC stamp, or a plain number. */
function numericPrefix(fileName: string): number {
  const prefix = fileName.split('_')[0];
  if (prefix && /^\d+$/.test(prefix)) {
    if (prefix.length === 13) return Number(prefix);
    if (prefix.length === 17) {
      const [y, mo, d, h, mi, s, ms] = [0, 4, 6, 8, 10, 12, 14].map((at, i, all) => prefix.slice(at, all[i + 1] ?? 17));
      return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`).valueOf();
    }
  }
  return Number(prefix) || 0;
}

/** node-pg-migrate's order: by numeric prefix, then by name compared numerically, ignoring punctuation. */
export function compareMigrationNames(a: string, b: string): number {
  return (
    numericPrefix(a) - numericPrefix(b) ||
    a.localeCompare(b, undefined, { usage: 'sort', numeric: true, sensitivity: 'variant', ignorePunctuation: true })
  );
}

/** The migrations node-pg-migrate would run from `dir`; the id is the name without extension, as it records it. */
export async function listNodePgMigrateMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .filter((name) => migrationExtensions.has(extname(name)) && !/\.d\.[cm]?ts$/.test(name))
    .sort(compareMigrationNames)
    .map((name) => ({ id: basename(name, extname(name)), path: join(dir, name) }));
}

const exportsUp = /\bexports\.up\s*=|\bexport\s+(?:async\s+)?function\s+up\b|\bexport\s+const\s+up\b|module\.exports\s*=\s*\{[^]*\bup\b/;

/** A file exporting `up` that calls `pgm.*` or types its builder as `MigrationBuilder` (a cheap text test). */
export function claimsNodePgMigrateMigration(path: string, source: string): boolean {
  const extension = extname(path);
  if (extension === '.sql') return /^\s*--[\s-]*up\s+migration/im.test(source);
  if (!migrationExtensions.has(extension) || /\.d\.[cm]?ts$/.test(path)) return false;
  return exportsUp.test(source) && (/\bpgm\s*\.\s*\w+\s*\(/.test(source) || /\bMigrationBuilder\b/.test(source));
}
