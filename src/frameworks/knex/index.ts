import { readFile } from 'node:fs/promises';
import type { FrameworkAdapter } from '../adapter.js';
import { claimsKnexMigration, listKnexMigrations, listKnexMigrationsIn } from './discover.js';

/** knex: migrations are modules exporting up/down that drive `knex.schema` and `knex.raw`. */
export const knexAdapter: FrameworkAdapter = {
  name: 'knex',
  listMigrations: listKnexMigrations,
  listMigrationsIn: listKnexMigrationsIn,
  claims: claimsKnexMigration,
  async analyse(migration) {
    // ts-morph loads only when a knex migration is actually read.
    const { analyseKnexSource } = await import('./analyse.js');
    return analyseKnexSource(await readFile(migration.path, 'utf8'), migration.path);
  },
  async createRunner(context) {
    const { createKnexRunner } = await import('./run.js');
    return createKnexRunner(context);
  },
};
