import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FrameworkAdapter } from '../adapter.js';
import { analyseSqlPair } from '../sql-pair.js';
import { runSqlScript } from '../../sql/run-statements.js';
import type { MigrationFile } from '../../types.js';

// golang-migrate's file name: `{version}_{title}.{up|down}.{ext}`; rollsafe reads the SQL ones.
const migrationFileName = /^(\d+)_(.*)\.(up|down)\.sql$/;

export const golangMigrateAdapter: FrameworkAdapter = {
  name: 'golang-migrate',

  async listMigrations(dir) {
    const versions = new Map<bigint, { version: bigint; up?: string; down?: string }>();
    for (const name of (await readdir(dir)).sort()) {
      const match = migrationFileName.exec(name);
      if (!match) continue;
      const version = BigInt(match[1]);
      const entry = versions.get(version) ?? { version };
      // golang-migrate refuses duplicate versions; keeping the first name keeps the list stable.
      if (match[3] === 'up') entry.up ??= join(dir, name);
      else entry.down ??= join(dir, name);
      versions.set(version, entry);
    }
    return [...versions.values()]
      .filter((entry) => entry.up !== undefined)
      .sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0))
      .map((entry): MigrationFile => ({
        // The version as golang-migrate records it in schema_migrations: a number, leading zeros gone.
        id: entry.version.toString(),
        path: entry.up!,
        ...(entry.down ? { downPath: entry.down } : {}),
      }));
  },

  claims(path) {
    return migrationFileName.test(basename(path));
  },

  async analyse(migration) {
    return analyseSqlPair(migration, 'golang-migrate');
  },

  async createRunner(context) {
    return {
      async run(migration, direction) {
        const file = direction === 'up' ? migration.path : migration.downPath;
        // Without a down file golang-migrate only moves the version back: nothing runs.
        if (!file) return;
        await runSqlScript(context.engine, { sql: await readFile(file, 'utf8'), file });
      },
      async close() {},
    };
  },
};
