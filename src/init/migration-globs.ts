// Which files a hook should hand to rollsafe: one glob (lint-staged) or regex (pre-commit) per migration set.
import path from 'node:path';
import type { FrameworkName, MigrationSet } from '../types.js';

/** The file extensions each framework reads its migrations from (all of them list a flat folder). */
const extensionsByFramework: Record<FrameworkName, string[]> = {
  knex: ['js', 'ts', 'cjs', 'mjs'],
  'node-pg-migrate': ['js', 'ts', 'cjs', 'mjs', 'sql'],
  'golang-migrate': ['sql'],
  dbmate: ['sql'],
  typeorm: ['js', 'ts'],
  kysely: ['js', 'ts', 'cjs', 'mjs'],
  sequelize: ['js', 'ts', 'cjs', 'mjs'],
  'mikro-orm': ['js', 'ts'],
  alembic: ['py'],
};

/** Used when no migration folder is found yet: any `migrations/` folder, any migration language. */
export const fallbackGlob = '**/migrations/*.{js,ts,cjs,mjs,sql}';

/** What one set looks like from a folder (the config file's for lint-staged, the repo root's for pre-commit). */
export interface MigrationPattern {
  /** Folder relative to the base, with forward slashes; '' for the base itself. */
  dir: string;
  extensions: string[];
}

export function migrationPatterns(sets: MigrationSet[], baseDir: string): MigrationPattern[] {
  const patterns: MigrationPattern[] = [];
  for (const set of sets) {
    const dir = path.relative(baseDir, set.dir).split(path.sep).join('/');
    const extensions = extensionsByFramework[set.framework];
    const same = patterns.find((p) => p.dir === dir);
    if (same) same.extensions = [...new Set([...same.extensions, ...extensions])];
    else patterns.push({ dir, extensions: [...extensions] });
  }
  return patterns;
}

/** A lint-staged (picomatch) glob: `db/migrations/*.sql`, `migrations/*.{js,ts,cjs,mjs}`. */
export function toGlob(pattern: MigrationPattern): string {
  // picomatch, like bash, takes a one-item brace literally: `*.{sql}` would match nothing.
  const extensions = pattern.extensions.length === 1 ? pattern.extensions[0] : `{${pattern.extensions.join(',')}}`;
  return `${pattern.dir === '' ? '' : `${pattern.dir}/`}*.${extensions}`;
}

/** A pre-commit `files` regex (Python `re.search` on repo-relative paths) matching any of the patterns. */
export function toFilesRegex(patterns: MigrationPattern[]): string {
  if (patterns.length === 0) return '(^|/)migrations/[^/]+\\.(js|ts|cjs|mjs|sql)$';
  const alternatives = patterns.map((p) => {
    const dir = p.dir === '' ? '' : `${p.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`;
    return `${dir}[^/]+\\.(${p.extensions.join('|')})`;
  });
  return alternatives.length === 1 ? `^${alternatives[0]}$` : `^(${alternatives.join('|')})$`;
}
