import { readFile } from 'node:fs/promises';
import type { FrameworkAdapter } from '../adapter.js';
import { claimsTypeormMigration, listTypeormMigrations, listTypeormMigrationsIn } from './discover.js';

/** TypeORM: migrations are classes with up/down(queryRunner), named with a trailing timestamp. */
export const typeormAdapter: FrameworkAdapter = {
  name: 'typeorm',
  listMigrations: listTypeormMigrations,
  listMigrationsIn: listTypeormMigrationsIn,
  claims: claimsTypeormMigration,
  async analyse(migration) {
    // ts-morph loads only when a TypeORM migration is actually read.
    const { analyseTypeormSource } = await import('./analyse.js');
    return analyseTypeormSource(await readFile(migration.path, 'utf8'), migration.path);
  },
  async createRunner(context) {
    const { createTypeormRunner } = await import('./run.js');
    return createTypeormRunner(context);
  },
  async impliedSetup(set) {
    const { typeormImpliedSetup } = await import('./setup.js');
    return typeormImpliedSetup(set);
  },
};
