import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { globFolder, pathOf } from './config-paths.js';
import { declaredSets } from './declared.js';
import { walkRepository } from './repository.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function repository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'rollsafe-declared-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const declared = (root: string) => declaredSets(walkRepository(root)).sets.map((set) => ({ ...set, dirs: set.dirs.map((dir) => dir.slice(root.length + 1)) }));

describe('paths as configs write them', () => {
  const bases = { fileDir: '/repo/src', relativeTo: '/repo', cwd: '/repo' };
  it.each([
    ["'db/migrations'", '/repo/db/migrations'],
    ["path.join(__dirname, '..', 'migrations')", '/repo/migrations'],
    ['`${__dirname}/migrations/*.ts`', '/repo/src/migrations/*.ts'],
    ["__dirname + '/migrations/*{.ts,.js}'", '/repo/src/migrations/*{.ts,.js}'],
    ["fileURLToPath(new URL('./migrations', import.meta.url))", '/repo/src/migrations'],
    ["path.resolve(process.cwd(), 'sql')", '/repo/sql'],
    ["path.join(path.dirname(fileURLToPath(import.meta.url)), '../migrations')", '/repo/migrations'],
  ])('%s', (expression, path) => {
    expect(pathOf(expression, bases)).toBe(path);
  });

  it('is unknown when an environment variable or a variable decides it', () => {
    expect(pathOf('process.env.MIGRATIONS_DIR', bases)).toBeUndefined();
    expect(pathOf('`${root}/migrations`', bases)).toBeUndefined();
    expect(pathOf("join(base, 'migrations')", bases)).toBeUndefined();
  });

  it('splits a glob into its literal folder and what follows', () => {
    expect(globFolder('/r/src/migrations/*.ts')).toEqual({ dir: '/r/src/migrations', recursive: false });
    expect(globFolder('/r/src/modules/*/migrations/*.ts')).toEqual({ dir: '/r/src/modules', pattern: '*/migrations', recursive: false });
    expect(globFolder('/r/src/migrations/**/*.ts')).toEqual({ dir: '/r/src/migrations', recursive: true });
  });
});

describe('sets declared by framework configs', () => {
  const knex = "exports.up = (knex) => knex.schema.createTable('a', () => {});\n";
  const typeorm = "import { MigrationInterface, QueryRunner } from 'typeorm';\nexport class A1700000000000 implements MigrationInterface { async up(q: QueryRunner) {} async down(q: QueryRunner) {} }\n";

  it("reads knex's migrations.directory, not seeds.directory, and a knexfile without one means migrations/ beside it", () => {
    const root = repository({
      'api/knexfile.ts': "export default { client: 'pg', seeds: { directory: './seeds' }, migrations: { directory: './db/changes' } };\n",
      'api/db/changes/1_a.js': knex,
      'api/seeds/1.js': '',
      'jobs/knexfile.js': "module.exports = { client: 'pg' };\n",
      'jobs/migrations/1_a.js': knex,
    });
    expect(declared(root)).toEqual([
      { dirs: ['api/db/changes'], framework: 'knex', foundBy: 'api/knexfile.ts (migrations.directory)' },
      { dirs: ['jobs/migrations'], framework: 'knex', foundBy: 'jobs/knexfile.js (default migrations/)' },
    ]);
  });

  it('expands TypeORM globs with a wildcard folder (per-module migrations), and a dist/ glob stands for src/', () => {
    const root = repository({
      'package.json': '{}',
      'src/orm.ts': "export const ds = new DataSource({ migrations: ['dist/modules/*/migrations/*.js'] });\n",
      'src/modules/users/migrations/1700000000000-A.ts': typeorm,
      'src/modules/orders/migrations/1700000000001-B.ts': typeorm,
      'src/modules/orders/entities/order.ts': 'export class Order {}\n',
    });
    expect(declared(root)).toEqual([
      { dirs: ['src/modules/orders/migrations', 'src/modules/users/migrations'], framework: 'typeorm', foundBy: 'src/orm.ts (migrations)' },
    ]);
  });

  it('reads ormconfig.json, MikroORM pathTs, node-pg-migrate and dbmate scripts, and DBMATE_MIGRATIONS_DIR', () => {
    const root = repository({
      'package.json': JSON.stringify({ scripts: { migrate: 'node-pg-migrate up -m sql/pgm', 'db:up': 'dotenv -- dbmate -d "db/dbmate" up' } }),
      'ormconfig.json': JSON.stringify({ type: 'postgres', migrations: ['typeorm/*.ts'] }),
      'typeorm/1700000000000-A.ts': typeorm,
      'mikro-orm.config.ts': "import { defineConfig } from '@mikro-orm/postgresql';\nexport default defineConfig({ migrations: { path: 'dist/mikro', pathTs: 'src/mikro' } });\n",
      'src/mikro/Migration20240101000000.ts': '',
      'sql/pgm/1700000000000_a.js': '',
      'db/dbmate/1_a.sql': '',
      'ops/.env': 'DBMATE_MIGRATIONS_DIR=./schema\n',
      'ops/schema/1_a.sql': '',
    });
    expect(declared(root)).toEqual(
      expect.arrayContaining([
        { dirs: ['sql/pgm'], framework: 'node-pg-migrate', foundBy: 'package.json (scripts.migrate)' },
        { dirs: ['db/dbmate'], framework: 'dbmate', foundBy: 'package.json (scripts.db:up)' },
        { dirs: ['typeorm'], framework: 'typeorm', foundBy: 'ormconfig.json (migrations)' },
        { dirs: ['src/mikro'], framework: 'mikro-orm', foundBy: 'mikro-orm.config.ts (migrations.pathTs)' },
        { dirs: ['ops/schema'], framework: 'dbmate', foundBy: 'ops/.env (DBMATE_MIGRATIONS_DIR)' },
      ]),
    );
  });

  it('reads a knex config that is not a knexfile, relative to its package', () => {
    const root = repository({
      'svc/package.json': '{}',
      'svc/src/configs/knex.js': "module.exports = { knex: { client: 'pg', migrations: { tableName: 'migrations', directory: path.resolve(__dirname, '../migrations') } } };\n",
      'svc/src/migrations/001_a.js': knex,
      'api/package.json': '{}',
      'api/src/db/index.js': "exports.knex = require('knex')({ client: 'pg', migrations: { directory: './db-migrations' } });\n",
      'api/db-migrations/001_a.js': knex,
    });
    expect(declared(root)).toEqual([
      { dirs: ['api/db-migrations'], framework: 'knex', foundBy: 'api/src/db/index.js (migrations.directory)' },
      { dirs: ['svc/src/migrations'], framework: 'knex', foundBy: 'svc/src/configs/knex.js (migrations.directory)' },
    ]);
  });

  it("reads node-pg-migrate's programmatic runner({ dir })", () => {
    const root = repository({
      'package.json': '{}',
      'scripts/migrate.ts': "import { runner } from 'node-pg-migrate';\nawait runner({ databaseUrl: process.env.DATABASE_URL!, dir: 'src/server/db/changes', direction: 'up' });\n",
      'src/server/db/changes/1700000000000_a.js': 'exports.up = (pgm) => {};\n',
    });
    expect(declared(root)).toEqual([{ dirs: ['src/server/db/changes'], framework: 'node-pg-migrate', foundBy: 'scripts/migrate.ts (runner dir)' }]);
  });

  it('follows a constant the config assigns once', () => {
    const root = repository({
      'package.json': '{}',
      'src/db/migrator.ts': "const MIGRATIONS_DIR = path.join(__dirname, 'changes');\nexport const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }) });\n",
      'src/db/changes/001_a.ts': 'export async function up() {}\n',
    });
    expect(declared(root)).toEqual([{ dirs: ['src/db/changes'], framework: 'kysely', foundBy: 'src/db/migrator.ts (FileMigrationProvider migrationFolder)' }]);
  });

  it('says which config names a folder that is not there', () => {
    const root = repository({ 'knexfile.js': "module.exports = { migrations: { directory: 'db/migrations' } };\n" });
    expect(declaredSets(walkRepository(root))).toEqual({ sets: [], missed: [{ foundBy: 'knexfile.js (migrations.directory)', path: join(root, 'db/migrations') }] });
  });
});
