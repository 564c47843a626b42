// Which version of its framework a set would run with: the package resolved from the set's project
// (the nearest node_modules/<pkg>/package.json, as Node resolves it), or the project's python's Alembic.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FrameworkName, MigrationSet } from '../types.js';

/** The npm packages that carry each framework, the one migrations are run with first. */
const packagesOf: Partial<Record<FrameworkName, string[]>> = {
  knex: ['knex'],
  'node-pg-migrate': ['node-pg-migrate'],
  typeorm: ['typeorm'],
  kysely: ['kysely'],
  sequelize: ['sequelize', '@sequelize/core', 'umzug'],
  'mikro-orm': ['@mikro-orm/migrations', '@mikro-orm/core'],
  dbmate: ['dbmate'],
};

/** `knex 3.1.0`, `not installed`, or what rollsafe runs instead for frameworks it needs no package of. */
export async function frameworkVersion(set: MigrationSet): Promise<string> {
  if (set.framework === 'alembic') return alembicVersion(set.projectDir);
  const packages = packagesOf[set.framework];
  if (!packages) return 'no package needed: rollsafe runs the SQL files itself';
  for (const name of packages) {
    const version = resolvedVersion(set.projectDir, name);
    if (version) return `${name} ${version}`;
  }
  return 'not installed';
}

function resolvedVersion(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    try {
      return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}

async function alembicVersion(projectDir: string): Promise<string> {
  const { findPython } = await import('../frameworks/alembic/python.js');
  const python = findPython(projectDir);
  return new Promise((done) => {
    execFile(python, ['-c', 'import alembic; print(alembic.__version__)'], { cwd: projectDir, timeout: 10_000 }, (error, stdout) => {
      done(error ? `not installed (no alembic in ${python})` : `alembic ${stdout.trim()}`);
    });
  });
}
