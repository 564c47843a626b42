import { readFile } from 'node:fs/promises';
import type { FrameworkAdapter } from '../adapter.js';
import { claimsSequelizeMigration, listSequelizeMigrations } from './discover.js';

/** Sequelize (sequelize-cli, umzug): modules exporting up/down that drive a queryInterface. */
export const sequelizeAdapter: FrameworkAdapter = {
  name: 'sequelize',
  listMigrations: listSequelizeMigrations,
  claims: claimsSequelizeMigration,
  async analyse(migration) {
    // ts-morph loads only when a Sequelize migration is actually read.
    const { analyseSequelizeSource } = await import('./analyse.js');
    return analyseSequelizeSource(await readFile(migration.path, 'utf8'), migration.path);
  },
  async createRunner(context) {
    const { createSequelizeRunner } = await import('./run.js');
    return createSequelizeRunner(context);
  },
};
