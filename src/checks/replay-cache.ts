// Replaying 300 earlier migrations through their framework costs seconds on every commit. The
// statements each one sent are recorded once and replayed as SQL after that, keyed by a chain of
// content hashes: change one migration and it and every later one are recorded again.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { rollsafePackage } from '../config/rollsafe-package.js';
import type { EngineName, LoggedStatement, MigrationSet } from '../types.js';

interface CacheFile {
  entries: { key: string; statements: LoggedStatement[] }[];
}

// 2: statements carry the engine's prepared form (pg-mem's parsed statements).
const formatVersion = 2;

function cacheDirOf(projectDir: string): string {
  const modules = join(projectDir, 'node_modules');
  return existsSync(modules) ? join(modules, '.cache', 'rollsafe', 'replay') : join(tmpdir(), 'rollsafe', 'replay');
}

/**
 * What else decides which SQL a migration sends and how it is stored: rollsafe's format and version,
 * the pg-mem whose parsed statements the cache holds, the set's setup and the project's locked dependencies.
 */
function saltOf(set: MigrationSet, engine: EngineName): string {
  const { version, pgMem } = rollsafeVersions();
  const hash = createHash('sha256').update(`${formatVersion}\0${version}\0${pgMem}\0${engine}\0${set.framework}\0`);
  for (const script of set.setup ?? []) hash.update(`${script.sql}\0`);
  for (const lockfile of ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'npm-shrinkwrap.json']) {
    const path = join(set.projectDir, lockfile);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

let versions: { version: string; pgMem: string } | undefined;

/** rollsafe's version and the exact pg-mem it pins (its internals are patched and its ASTs stored). */
function rollsafeVersions(): { version: string; pgMem: string } {
  if (versions) return versions;
  const { root, version } = rollsafePackage();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return (versions = { version, pgMem: manifest.dependencies?.['pg-mem'] ?? 'unknown' });
}

export class ReplayCache {
  private readonly file: string;
  private readonly keys: string[] = [];
  private entries: CacheFile['entries'] = [];
  private dirty = false;

  private constructor(private readonly set: MigrationSet, engine: EngineName) {
    // A staged copy (a new random folder on each commit) shares its folder's cache: the hash chain tells their contents apart.
    const id = createHash('sha256').update(`${set.origin ?? set.dir}\0${engine}`).digest('hex').slice(0, 16);
    this.file = join(cacheDirOf(set.projectDir), `${id}.json`);
    let chain = saltOf(set, engine);
    for (const migration of set.migrations) {
      const hash = createHash('sha256').update(chain).update(basename(migration.path)).update(readFileSync(migration.path));
      if (migration.downPath && existsSync(migration.downPath)) hash.update(readFileSync(migration.downPath));
      chain = hash.digest('hex');
      this.keys.push(chain);
    }
  }

  static async open(set: MigrationSet, engine: EngineName): Promise<ReplayCache> {
    const cache = new ReplayCache(set, engine);
    try {
      cache.entries = (JSON.parse(await readFile(cache.file, 'utf8')) as CacheFile).entries ?? [];
    } catch {
      cache.entries = [];
    }
    return cache;
  }

  /** The content hash of migrations 0..index and of what decides their SQL: it names their state. */
  keyOf(index: number): string {
    return this.keys[index];
  }

  /** The recorded statements of migration `index`, when it and every migration before it are unchanged. */
  statementsOf(index: number): LoggedStatement[] | undefined {
    const entry = this.entries[index];
    return entry && entry.key === this.keys[index] ? entry.statements : undefined;
  }

  record(index: number, statements: LoggedStatement[]): void {
    this.entries[index] = { key: this.keys[index], statements: statements.filter((statement) => !isCatalogRead(statement.sql) && !isTransactionControl(statement.sql)) };
    this.dirty = true;
  }

  /** Drops what no longer matches, so a changed migration is recorded again. */
  forget(index: number): void {
    this.entries.length = Math.min(this.entries.length, index);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    // Only the unbroken prefix is worth keeping: replays always start from the first migration.
    const valid = this.entries.findIndex((entry, index) => !entry || entry.key !== this.keys[index]);
    const entries = valid < 0 ? this.entries : this.entries.slice(0, valid);
    try {
      await mkdir(join(this.file, '..'), { recursive: true });
      // Written aside then renamed: two hooks at once never read half a file.
      const partial = `${this.file}.${process.pid}.partial`;
      await writeFile(partial, JSON.stringify({ entries } satisfies CacheFile));
      await rename(partial, this.file);
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
}

/**
 * Existence checks (knex's hasTable, hasColumn) read the catalogs and change nothing, nor do the
 * server probes frameworks send on connect (`select version()`): no need to replay them.
 */
function isCatalogRead(sql: string): boolean {
  if (/\b(nextval|setval|set_config)\s*\(/i.test(sql)) return false;
  return (
    /^\s*select\b[\s\S]*\bfrom\s+"?(information_schema|pg_catalog)"?\./i.test(sql) ||
    /^\s*select\s+(?:version|current_schema|current_database)\s*\(\s*\)(?:\s+as\s+\w+)?\s*;?\s*$/i.test(sql) ||
    /^\s*show\s+\w+\s*;?\s*$/i.test(sql)
  );
}

/** A replay that succeeds needs no transactions: the recording only holds what committed. */
function isTransactionControl(sql: string): boolean {
  return /^\s*(begin|start\s+transaction|commit|end|rollback|savepoint|release)\b[^;]*;?\s*$/i.test(sql);
}
