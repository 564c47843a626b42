import { readFile } from 'node:fs/promises';
import type { FrameworkAdapter } from '../adapter.js';
import { claimsMikroOrmMigration, listMikroOrmMigrations } from './discover.js';

/** MikroORM: migrations are classes extending `Migration` whose up()/down() queue SQL with `this.addSql`. */
export const mikroOrmAdapter: FrameworkAdapter = {
  name: 'mikro-orm',
  listMigrations: listMikroOrmMigrations,
  claims: claimsMikroOrmMigration,
  async analyse(migration) {
    // ts-morph loads only when a MikroORM migration is actually read.
    const { analyseMikroOrmSource } = await import('./analyse.js');
    return analyseMikroOrmSource(await readFile(migration.path, 'utf8'), migration.path);
  },
  async createRunner(context) {
    const { createMikroOrmRunner } = await import('./run.js');
    return createMikroOrmRunner(context);
  },
};
