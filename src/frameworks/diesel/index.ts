// diesel_migrations: `migrations/<version>_<name>/up.sql` + `down.sql`, an optional metadata.toml
// (`run_in_transaction = false`). diesel applies folders in version order, each in its own transaction.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FrameworkAdapter } from '../adapter.js';
import { analyseSqlPair } from '../sql-pair.js';
import { runSqlScript } from '../../sql/run-statements.js';
import { splitStatements } from '../../sql/split.js';
import { runsOutsideTransaction } from '../../sql/transaction.js';
import { MigrationRunError, type Engine, type MigrationFile } from '../../types.js';

// diesel's folder name: the version is what comes before the first `_` (dashes allowed: `2024-01-31-120000`).
const migrationFolderName = /^(\d[\d-]*)_(.+)$/;

/** The version diesel records in __diesel_schema_migrations: the folder's prefix without its dashes. */
export function dieselVersion(folder: string): string | undefined {
  const match = migrationFolderName.exec(folder);
  return match ? match[1].replace(/-/g, '') : undefined;
}

/** A migration's `up.sql` or `down.sql`, inside a version folder. */
export function isDieselMigrationFile(path: string): boolean {
  return /^(up|down)\.sql$/.test(basename(path)) && dieselVersion(basename(dirname(path))) !== undefined;
}

/** `run_in_transaction = false` in the folder's metadata.toml (diesel's only switch for it). */
export async function runsInTransaction(versionDir: string): Promise<boolean> {
  const path = join(versionDir, 'metadata.toml');
  if (!existsSync(path)) return true;
  const text = await readFile(path, 'utf8');
  return !/^\s*run_in_transaction\s*=\s*false\s*(?:#.*)?$/m.test(text);
}

export const dieselAdapter: FrameworkAdapter = {
  name: 'diesel',

  async listMigrations(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    const found: (MigrationFile & { version: string })[] = [];
    for (const entry of entries) {
      const version = entry.isDirectory() ? dieselVersion(entry.name) : undefined;
      if (version === undefined) continue;
      const up = join(dir, entry.name, 'up.sql');
      if (!existsSync(up)) continue;
      const down = join(dir, entry.name, 'down.sql');
      found.push({ id: version, version, path: up, ...(existsSync(down) ? { downPath: down } : {}) });
    }
    // diesel sorts pending migrations by version, as strings (MigrationVersion's Ord).
    found.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
    return found.map(({ version: _, ...migration }) => migration);
  },

  claims(path) {
    return isDieselMigrationFile(path);
  },

  async analyse(migration) {
    return analyseSqlPair(migration, 'diesel', await runsInTransaction(dirname(migration.path)));
  },

  async createRunner(context) {
    return {
      async run(migration, direction) {
        const file = direction === 'up' ? migration.path : migration.downPath;
        // diesel refuses to revert a migration without down.sql; nothing runs either way.
        if (!file) return;
        const transactional = await runsInTransaction(dirname(migration.path));
        const sql = await readFile(file, 'utf8');
        if (transactional) await refuseOutsideTransaction(context.engine, sql, file);
        if (transactional) await context.engine.query('BEGIN');
        try {
          await runSqlScript(context.engine, { sql, file });
        } catch (error) {
          if (transactional) await context.engine.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
        if (transactional) await context.engine.query('COMMIT');
      },
      async close() {},
    };
  },
};

/**
 * pg-mem lets `CREATE INDEX CONCURRENTLY` run inside a transaction, Postgres refuses it: on pg-mem such
 * a statement is handed to PGlite (an unsupported step), which gives Postgres's own verdict.
 */
async function refuseOutsideTransaction(engine: Engine, sql: string, file: string): Promise<void> {
  if (engine.name !== 'pg-mem') return;
  const statements = await splitStatements(sql).catch(() => []);
  const refused = statements.find((statement) => runsOutsideTransaction(statement.node));
  if (!refused) return;
  throw new MigrationRunError('pg-mem cannot tell whether this statement may run inside a transaction block', { file, line: refused.line, column: refused.column }, refused.sql, true);
}
