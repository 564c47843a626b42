import { readFile } from 'node:fs/promises';
import type { FrameworkAdapter } from '../adapter.js';
import { installedPackage } from '../versions.js';
import { claimsNodePgMigrateMigration, listNodePgMigrateMigrations } from './discover.js';

/** node-pg-migrate: modules exporting up/down over a MigrationBuilder (`pgm`), or `.sql` files with markers. */
export const nodePgMigrateAdapter: FrameworkAdapter = {
  name: 'node-pg-migrate',
  listMigrations: listNodePgMigrateMigrations,
  claims: claimsNodePgMigrateMigration,
  async analyse(migration) {
    const source = await readFile(migration.path, 'utf8');
    // ts-morph loads only when a node-pg-migrate migration is actually read.
    const { analyseNodePgMigrateSource, analyseNodePgMigrateSqlFile } = await import('./analyse.js');
    return migration.path.endsWith('.sql')
      ? analyseNodePgMigrateSqlFile(source, migration.path)
      : analyseNodePgMigrateSource(source, migration.path, installedPackage('node-pg-migrate', migration.path)?.major);
  },
  async createRunner(context) {
    const { createNodePgMigrateRunner } = await import('./run.js');
    return createNodePgMigrateRunner(context);
  },
};
