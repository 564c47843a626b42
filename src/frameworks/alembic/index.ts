import type { FrameworkAdapter } from '../adapter.js';
import { claimsAlembicRevision, listAlembicRevisions } from './discover.js';

/** Alembic: Python revisions (upgrade/downgrade driving `op.*`) chained by revision / down_revision. */
export const alembicAdapter: FrameworkAdapter = {
  name: 'alembic',
  async listMigrations(dir) {
    return listAlembicRevisions(dir);
  },
  claims: claimsAlembicRevision,
  async checkSetup(set) {
    const { checkPythonHasAlembic } = await import('./python.js');
    const { findAlembicProject } = await import('./discover.js');
    await checkPythonHasAlembic(findAlembicProject(set.dir)?.dir ?? set.projectDir);
  },
  async analyse(migration) {
    const { analyseAlembicRevision } = await import('./analyse.js');
    return analyseAlembicRevision(migration.path);
  },
  async createRunner(context) {
    const { createAlembicRunner } = await import('./run.js');
    return createAlembicRunner(context);
  },
};
