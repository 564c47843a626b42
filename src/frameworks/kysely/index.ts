import { readFile } from 'node:fs/promises';
import type { FrameworkAdapter } from '../adapter.js';
import { claimsKyselyMigration, listKyselyMigrations } from './discover.js';

/** Kysely: modules exporting up(db)/down(db) that execute `db.schema` builders and `sql` templates. */
export const kyselyAdapter: FrameworkAdapter = {
  name: 'kysely',
  listMigrations: listKyselyMigrations,
  claims: claimsKyselyMigration,
  async analyse(migration) {
    // ts-morph loads only when a Kysely migration is actually read.
    const { analyseKyselySource } = await import('./analyse.js');
    return analyseKyselySource(await readFile(migration.path, 'utf8'), migration.path);
  },
  async createRunner(context) {
    const { createKyselyRunner } = await import('./run.js');
    return createKyselyRunner(context);
  },
};
