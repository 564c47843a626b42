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
}

export async function createPgliteEngine(options: PgliteEngineOptions = {}): Promise<Engine> {
  const pglite = await import('@electric-sql/pglite');
  const extensions = await loadExtensions();
  const db = await startFromCache(pglite, extensions, options.cacheDir ?? defaultCacheDir());

  const engine: Engine = {
    name: 'pglite',
    async query(sql, params) {
      // Like `pg`: no parameters means the simple protocol, where a script of several statements is fine.
      if (!params?.length) {
        const results = await db.exec(sql);
        return toResult(results[results.length - 1]);
      }
      return toResult(await db.query(sql, params));
    },
    async exec(sql) {
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
async function loadExtensions() {
  const [{ uuid_ossp }, { pgcrypto }, { citext }, { hstore }, { pg_trgm }] = await Promise.all([
    import('@electric-sql/pglite/contrib/uuid_ossp'),
    import('@electric-sql/pglite/contrib/pgcrypto'),
    import('@electric-sql/pglite/contrib/citext'),
    import('@electric-sql/pglite/contrib/hstore'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
  ]);
  return { uuid_ossp, pgcrypto, citext, hstore, pg_trgm };
}

async function startFromCache(pglite: PGliteModule, extensions: Awaited<ReturnType<typeof loadExtensions>>, cacheDir: string): Promise<PGlite> {
  const cacheFile = join(cacheDir, `pglite-${pgliteVersion()}.tar.gz`);
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
  const dump = await db.dumpDataDir('gzip');
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
