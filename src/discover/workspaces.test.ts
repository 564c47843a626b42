import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverSets } from './index.js';
import { workspacePackages } from './workspaces.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function write(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

function monorepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'rollsafe-monorepo-'));
  roots.push(root);
  write(root, files);
  return root;
}

const knexMigration = `exports.up = (knex) => knex.schema.createTable('a', (t) => t.increments());\nexports.down = (knex) => knex.schema.dropTable('a');\n`;
const pgmMigration = `exports.up = (pgm) => { pgm.createTable('b', { id: 'id' }); };\n`;

describe('monorepo discovery', () => {
  it("finds each npm workspace package's own set, resolved from that package", async () => {
    const root = monorepo({
      'package.json': JSON.stringify({ name: 'shop', private: true, workspaces: ['packages/*', '!packages/docs'] }),
      'packages/api/package.json': JSON.stringify({ name: 'api', dependencies: { knex: '*' } }),
      'packages/api/migrations/20240101000000_a.js': knexMigration,
      'packages/billing/package.json': JSON.stringify({ name: 'billing', dependencies: { 'node-pg-migrate': '*' } }),
      'packages/billing/db/migrations/1700000000000_b.js': pgmMigration,
      'packages/docs/package.json': JSON.stringify({ name: 'docs' }),
      'packages/docs/migrations/20240101000000_a.js': knexMigration,
    });
    const sets = await discoverSets(root);
    expect(sets.map((set) => [set.dir.slice(root.length + 1), set.framework, set.projectDir.slice(root.length + 1)])).toEqual([
      ['packages/api/migrations', 'knex', 'packages/api'],
      ['packages/billing/db/migrations', 'node-pg-migrate', 'packages/billing'],
    ]);
  });

  it('reads the packages list of pnpm-workspace.yaml', () => {
    const root = monorepo({
      'package.json': JSON.stringify({ name: 'root', private: true }),
      'pnpm-workspace.yaml': "packages:\n  - 'services/*'\n  - \"tools/cli\" # the admin tool\nonlyBuiltDependencies:\n  - esbuild\n",
      'services/orders/package.json': '{}',
      'services/notes.txt': '',
      'tools/cli/package.json': '{}',
      'tools/other/package.json': '{}',
    });
    expect(workspacePackages(root).map((dir) => dir.slice(root.length + 1))).toEqual(['services/orders', 'tools/cli']);
  });

  it('a single package has no workspace packages', () => {
    const root = monorepo({ 'package.json': JSON.stringify({ name: 'solo' }) });
    expect(workspacePackages(root)).toEqual([]);
  });
});

describe('framework config files that name the migrations folder', () => {
  it(".sequelizerc's migrations-path is a sequelize set even outside the conventional folders", async () => {
    const root = monorepo({
      'package.json': JSON.stringify({ name: 'api', dependencies: { sequelize: '*' } }),
      '.sequelizerc': "const path = require('path');\nmodule.exports = {\n  'migrations-path': path.resolve('server', 'db', 'changes'),\n};\n",
      'server/db/changes/20240101000000-create-users.js': `module.exports = { up: (queryInterface) => queryInterface.createTable('users', {}), down: (queryInterface) => queryInterface.dropTable('users') };\n`,
    });
    const sets = await discoverSets(root);
    expect(sets.map((set) => [set.dir.slice(root.length + 1), set.framework])).toEqual([['server/db/changes', 'sequelize']]);
  });
});
