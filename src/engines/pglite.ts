// The faithful engine: PGlite, real Postgres compiled to WASM. Starts from a cached, already
// initialised data directory, since initdb is what makes a cold start cost seconds.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Engine } from '../types.js';
import { catalogSnapshot } from './catalog-snapshot.js';
import { createPgDriver, type DriverQueryResult } from './pg-driver.js';
import { resetDatabase } from './reset.js';

type PGliteModule = typeof import('@electric-sql/pglite');
type PGlite = InstanceType<PGliteModule['PGlite']>;

export interface PgliteEngineOptions {
  /** Where the initialised data directory is cached; default `node_modules/.cache/rollsafe` of the cwd. */
  cacheDir?: string;
  /** Extension names to load (see EngineOptions.extensions); undefined loads them all. */
  extensions?: string[];
}

export async function createPgliteEngine(options: PgliteEngineOptions = {}): Promise<Engine> {
  const pglite = await import('@electric-sql/pglite');
  const extensions = await loadExtensions(options.extensions);
  const db = await startFromCache(pglite, extensions, options.cacheDir ?? defaultCacheDir());

  const engine: Engine = {
    name: 'pglite',
    async query(sql, params) {
      engine.statementLog?.push(params?.length ? { sql, params } : { sql });
      // Like `pg`: no parameters means the simple protocol, where a script of several statements is fine.
      if (!params?.length) {
        const results = await db.exec(sql);
        return toResult(results[results.length - 1]);
      }
      return toResult(await db.query(sql, params));
    },
    async exec(sql) {
      engine.statementLog?.push({ sql });
      await db.exec(sql);
    },
    snapshot: () => catalogSnapshot(async (sql) => toResult(await db.query(sql))),
    pgDriver: () => createPgDriver(engine),
    reset: () => resetDatabase((sql) => db.exec(sql)),
    isUnsupported: isPgliteLimit,
    close: () => db.close(),
  };
  return engine;
}

/** The extensions migrations commonly create that PGlite ships; each must be loaded at start. */
const shippedExtensions: Record<string, () => Promise<unknown>> = {
  'uuid-ossp': async () => (await import('@electric-sql/pglite/contrib/uuid_ossp')).uuid_ossp,
  pgcrypto: async () => (await import('@electric-sql/pglite/contrib/pgcrypto')).pgcrypto,
  citext: async () => (await import('@electric-sql/pglite/contrib/citext')).citext,
  hstore: async () => (await import('@electric-sql/pglite/contrib/hstore')).hstore,
  pg_trgm: async () => (await import('@electric-sql/pglite/contrib/pg_trgm')).pg_trgm,
};

/** The names PGlite can load that rollsafe knows; the rest are reported by Postgres itself. */
export const pgliteExtensionNames = Object.keys(shippedExtensions);

async function loadExtensions(wanted: string[] = pgliteExtensionNames): Promise<Record<string, any>> {
  const names = wanted.filter((name) => name in shippedExtensions);
  // PGlite's extension keys are identifiers: uuid-ossp registers as uuid_ossp.
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name.replace(/-/g, '_'), await shippedExtensions[name]()])));
}

async function startFromCache(pglite: PGliteModule, extensions: Record<string, any>, cacheDir: string): Promise<PGlite> {
  // Uncompressed: unpacking a gzipped data directory inside WASM costs about a second per start.
  const cacheFile = join(cacheDir, `pglite-${pgliteVersion()}.tar`);
  const cached = await readFile(cacheFile).catch(() => undefined);
  if (cached) {
    try {
      return await pglite.PGlite.create({ loadDataDir: new Blob([cached]), extensions });
    } catch {
      // A damaged cache: fall through and rebuild it.
    }
  }
  const db = await pglite.PGlite.create({ extensions });
  await saveDataDir(db, cacheFile).catch(() => undefined);
  return db;
}

async function saveDataDir(db: PGlite, cacheFile: string): Promise<void> {
  const dump = await db.dumpDataDir('none');
  await mkdir(dirname(cacheFile), { recursive: true });
  // Written aside then renamed, so a concurrent start never reads half a file.
  const partial = `${cacheFile}.${process.pid}.partial`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, cacheFile);
}

function defaultCacheDir(): string {
  const projectModules = join(process.cwd(), 'node_modules');
  return existsSync(projectModules) ? join(projectModules, '.cache', 'rollsafe') : join(tmpdir(), 'rollsafe');
}

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (require(join(dir, 'package.json')) as { version: string }).version;
}

function toResult(result: { rows: unknown[]; affectedRows?: number; rowCount?: number; command?: string; fields: { name: string; dataTypeID: number }[] } | undefined): DriverQueryResult {
  if (!result) return { rows: [], rowCount: 0 };
  const rows = result.rows as Record<string, unknown>[];
  return {
    rows,
    rowCount: result.rowCount ?? result.affectedRows ?? rows.length,
    ...(result.command ? { command: result.command } : {}),
    fields: result.fields,
  };
}

/** Only what PGlite's build lacks (extensions it does not ship, features compiled out). */
export function isPgliteLimit(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /extension ".*" is not available|could not open extension control file|not supported by this build/i.test(error.message);
}
