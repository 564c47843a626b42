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
import { SavepointSession } from './savepoints.js';

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

  const session = new SavepointSession((sql, params) => (params ? db.query(sql, params) : db.exec(sql)));
  const engine: Engine = {
    name: 'pglite',
    async query(sql, params) {
      engine.statementLog?.push(params?.length ? { sql, params } : { sql });
      return session.query(sql, params, async () => {
        // Like `pg`: no parameters means the simple protocol, where a script of several statements is fine.
        if (!params?.length) {
          const results = await db.exec(sql);
          return toResult(results[results.length - 1]);
        }
        return toResult(await db.query(sql, params));
      });
    },
    async exec(sql) {
      engine.statementLog?.push({ sql });
      await session.query(sql, undefined, () => db.exec(sql));
    },
    checkpoint: () => session.begin(),
    snapshot: () => catalogSnapshot(async (sql) => toResult(await db.query(sql))),
    pgDriver: () => createPgDriver(engine),
    reset: () => resetDatabase((sql) => db.exec(sql)),
    isUnsupported: isPgliteLimit,
    close: () => db.close(),
  };
  return engine;
}

/**
 * The contrib extensions PGlite ships (`@electric-sql/pglite/contrib/<module>`), by their SQL name;
 * each must be loaded when PGlite starts, and each slows the start, so only those a set names are.
 */
const contribModules = [
  'amcheck', 'auto_explain', 'bloom', 'btree_gin', 'btree_gist', 'citext', 'cube', 'dict_int', 'dict_xsyn',
  'earthdistance', 'file_fdw', 'fuzzystrmatch', 'hstore', 'intarray', 'isn', 'lo', 'ltree', 'moddatetime',
  'pageinspect', 'pg_buffercache', 'pg_stat_statements', 'pg_surgery', 'pg_trgm', 'pg_visibility', 'pg_walinspect',
  'pgcrypto', 'seg', 'tablefunc', 'tcn', 'tsm_system_rows', 'tsm_system_time', 'unaccent', 'uuid_ossp',
];
const sqlNameOf = (module: string) => (module === 'uuid_ossp' ? 'uuid-ossp' : module);
// What one extension needs loaded with it (CREATE EXTENSION earthdistance CASCADE creates cube).
const requires: Record<string, string[]> = { earthdistance: ['cube'] };

/** The extension names PGlite can load; others are reported as not available. */
export const pgliteExtensionNames = contribModules.map(sqlNameOf);

// Names that are ordinary words or identifiers count only where an extension is named.
const ambiguous = new Set(['lo', 'isn', 'seg', 'cube', 'tcn', 'bloom', 'ltree', 'amcheck']);
// Functions and types a migration may use from an extension an earlier setup created.
const impliedBy: [RegExp, string][] = [
  [/\buuid_generate_v[1345]/i, 'uuid-ossp'],
  [/\b(gen_salt|crypt|pgp_sym_encrypt|digest|hmac)\s*\(/i, 'pgcrypto'],
  [/\bgin_trgm_ops\b|\bgist_trgm_ops\b|\bsimilarity\s*\(/i, 'pg_trgm'],
  [/\bcitext\b/i, 'citext'],
  [/\bhstore\b/i, 'hstore'],
];

/** The extensions of `pgliteExtensionNames` that `text` (migrations, setup SQL) creates or uses. */
export function extensionsNamedIn(text: string): string[] {
  const found = new Set<string>();
  for (const module of contribModules) {
    const name = sqlNameOf(module);
    const spellings = [name, module].map((n) => n.replace(/[-]/g, '\\-'));
    const word = new RegExp(`(^|[^\\w-])(${spellings.join('|')})($|[^\\w-])`, 'i');
    const asExtension = new RegExp(`(extension|createExtension)\\W+(if\\s+not\\s+exists\\W+)?(${spellings.join('|')})\\b`, 'i');
    if (ambiguous.has(module) ? asExtension.test(text) : word.test(text)) found.add(name);
  }
  for (const [pattern, name] of impliedBy) if (pattern.test(text)) found.add(name);
  for (const name of [...found]) for (const needed of requires[name] ?? []) found.add(needed);
  return pgliteExtensionNames.filter((name) => found.has(name));
}

async function loadExtensions(wanted: string[] = pgliteExtensionNames): Promise<Record<string, any>> {
  const modules = contribModules.filter((module) => wanted.includes(sqlNameOf(module)));
  // PGlite's extension keys are identifiers: uuid-ossp registers as uuid_ossp.
  return Object.fromEntries(
    await Promise.all(modules.map(async (module) => [module, ((await import(`@electric-sql/pglite/contrib/${module}`)) as Record<string, unknown>)[module]])),
  );
}

/**
 * Migrations need neither a large buffer cache nor WAL beyond crash safety (none: it is all in memory):
 * 16 MB of shared buffers and WAL recycled past 32 MB keep PGlite's memory flat over a long history.
 */
const lean = ['-c', 'shared_buffers=16MB', '-c', 'wal_level=minimal', '-c', 'max_wal_senders=0', '-c', 'max_wal_size=32MB', '-c', 'min_wal_size=32MB'];

async function startFromCache(pglite: PGliteModule, extensions: Record<string, any>, cacheDir: string): Promise<PGlite> {
  const startParams = [...pglite.PGlite.defaultStartParams, ...lean];
  // Uncompressed: unpacking a gzipped data directory inside WASM costs about a second per start.
  const cacheFile = join(cacheDir, `pglite-${pgliteVersion()}.tar`);
  const cached = await readFile(cacheFile).catch(() => undefined);
  if (cached) {
    try {
      return await pglite.PGlite.create({ loadDataDir: new Blob([cached]), extensions, startParams });
    } catch {
      // A damaged cache: fall through and rebuild it.
    }
  }
  const db = await pglite.PGlite.create({ extensions, startParams });
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
