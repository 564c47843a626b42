import type { FrameworkName } from '../types.js';
import type { FrameworkAdapter } from './adapter.js';

// Each adapter loads only when a migration of its framework is seen: ts-morph and friends are heavy.
const loaders: Partial<Record<FrameworkName, () => Promise<FrameworkAdapter>>> = {
  knex: async () => (await import('./knex/index.js')).knexAdapter,
  'node-pg-migrate': async () => (await import('./node-pg-migrate/index.js')).nodePgMigrateAdapter,
  'golang-migrate': async () => (await import('./golang-migrate/index.js')).golangMigrateAdapter,
  dbmate: async () => (await import('./dbmate/index.js')).dbmateAdapter,
  sequelize: async () => (await import('./sequelize/index.js')).sequelizeAdapter,
  alembic: async () => (await import('./alembic/index.js')).alembicAdapter,
  typeorm: async () => (await import('./typeorm/index.js')).typeormAdapter,
  'mikro-orm': async () => (await import('./mikro-orm/index.js')).mikroOrmAdapter,
  kysely: async () => (await import('./kysely/index.js')).kyselyAdapter,
  diesel: async () => (await import('./diesel/index.js')).dieselAdapter,
};

export const supportedFrameworks = Object.keys(loaders) as FrameworkName[];

export async function loadAdapter(name: FrameworkName): Promise<FrameworkAdapter> {
  const load = loaders[name];
  if (!load) throw new Error(`rollsafe does not support the ${name} framework yet`);
  return load();
}
