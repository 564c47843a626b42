import type { FrameworkAdapter } from '../adapter.js';
import { claimsAlembicRevision, listAlembicRevisions } from './discover.js';

/** Alembic: Python revisions (upgrade/downgrade driving `op.*`) chained by revision / down_revision. */
export const alembicAdapter: FrameworkAdapter = {
  name: 'alembic',
  async listMigrations(dir) {
    return listAlembicRevisions(dir);
  },
  claims: claimsAlembicRevision,
  async analyse(migration) {
    const { analyseAlembicRevision } = await import('./analyse.js');
    return analyseAlembicRevision(migration.path);
  },
  async createRunner(context) {
    const { createAlembicRunner } = await import('./run.js');
    return createAlembicRunner(context);
  },
};
