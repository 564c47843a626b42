// The database a project's history really starts from: what its framework does on connect (TypeORM
// creates uuid-ossp for uuid columns) and what the project declares as its set's `setup`, on
// every engine, so that the first migration replays and every later one gets its dynamic checks.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import type { EngineName, FrameworkName } from '../src/types.js';

const repoModules = join(import.meta.dirname, '..', 'node_modules');
const databaseUrl = process.env.DATABASE_URL;
const postgresReachable = databaseUrl ? await canConnect(new URL(databaseUrl)) : false;
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function canConnect(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false)).once('timeout', () => resolve(false));
    socket.connect(Number(url.port || 5432), url.hostname);
  });
}

function project(files: Record<string, string>, config?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-environment-'));
  made.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  symlinkSync(repoModules, join(dir, 'node_modules'), 'dir');
  if (config) writeFileSync(join(dir, 'rollsafe.config.json'), JSON.stringify(config));
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), source);
  }
  return dir;
}

async function findingsOf(dir: string, framework: FrameworkName, engine?: EngineName) {
  const migrations = join(dir, 'migrations');
  const paths = readdirSync(migrations).map((file) => join(migrations, file));
  const { results } = await lint({ cwd: dir, paths, all: false, staged: false, framework, engine, databaseUrl: engine === 'postgres' ? databaseUrl : undefined });
  const found: Record<string, string[]> = {};
  for (const path of paths) found[relative(migrations, path)] = [];
  for (const result of results) {
    found[relative(migrations, result.filePath)] = result.messages.map((m) => `${m.ruleId}@${m.line}: ${m.message}`).sort();
  }
  return found;
}

const typeormMigration = (name: string, up: string, down: string) => `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name} implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`${up}\`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`${down}\`);
  }
}
`;

// As TypeORM generates it for a `@PrimaryGeneratedColumn('uuid')`: the extension is created by the driver, not here.
const createUsers = typeormMigration(
  'CreateUsers1700000000000',
  'CREATE TABLE IF NOT EXISTS "users" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "email" character varying NOT NULL, CONSTRAINT "PK_users" PRIMARY KEY ("id"))',
  'DROP TABLE IF EXISTS "users"',
);
// A true mistake later in the history: only a dynamic check that reaches it can see the second up fail.
const addName = typeormMigration('AddUsersName1700000100000', 'ALTER TABLE "users" ADD "name" character varying', 'ALTER TABLE "users" DROP COLUMN IF EXISTS "name"');

describe("TypeORM's uuid-ossp, created on connect", () => {
  const engines: EngineName[] = ['pg-mem', 'pglite', ...(postgresReachable ? (['postgres'] as const) : [])];
  for (const engine of engines) {
    it(`a first migration with DEFAULT uuid_generate_v4() replays on ${engine}, and the next one is fully checked`, async () => {
      const dir = project({ 'migrations/1700000000000-CreateUsers.ts': createUsers, 'migrations/1700000100000-AddUsersName.ts': addName });
      const found = await findingsOf(dir, 'typeorm', engine === 'pg-mem' ? undefined : engine);
      expect(found['1700000000000-CreateUsers.ts']).toEqual([]);
      const rules = found['1700000100000-AddUsersName.ts'].map((finding) => finding.split(':')[0]);
      expect(rules).toEqual(['idempotent-up@5', 'require-guard@5']);
      expect(found['1700000100000-AddUsersName.ts'][0]).toMatch(/column "name" of relation "users" already exists/);
    }, 180_000);
  }
});

// The app creates the schema (`CREATE SCHEMA app` at boot, knex `searchPath: ['app']`) before migrating.
const createAccounts = `exports.up = (knex) =>
  knex.schema.withSchema('app').createTable('accounts', (table) => {
    table.increments('id');
    table.string('email').notNullable();
  });

exports.down = (knex) => knex.schema.withSchema('app').dropTableIfExists('accounts');
`;
const guardedAccounts = createAccounts.replace("withSchema('app').createTable(", "withSchema('app').createTableIfNotExists(");

describe('a set whose schema the app creates', () => {
  it('fails its first migration on an empty database, and the message says to declare a setup', async () => {
    const dir = project({ 'migrations/20240101000000_accounts.js': guardedAccounts });
    const found = await findingsOf(dir, 'knex');
    expect(found['20240101000000_accounts.js']).toEqual([
      expect.stringMatching(/^up-runs@2: up fails on an empty database: schema "app" does not exist.*declare it for this set in rollsafe\.config\.json: "setup" \(SQL\) or "baseline"/),
    ]);
  }, 180_000);

  it('runs with the schema declared as the set\'s setup', async () => {
    const config = { sets: [{ dir: 'migrations', framework: 'knex', setup: ['CREATE SCHEMA IF NOT EXISTS app'] }] };
    const dir = project({ 'migrations/20240101000000_accounts.js': guardedAccounts, 'migrations/20240102000000_add_name.js': addNameKnex }, config);
    const found = await findingsOf(dir, 'knex');
    expect(found['20240101000000_accounts.js']).toEqual([]);
    // The later migration is checked for real: its second up fails.
    expect(found['20240102000000_add_name.js'].map((f) => f.split(':')[0])).toEqual(['idempotent-down@7', 'idempotent-up@2', 'require-guard@3', 'require-guard@8']);
  }, 180_000);

  it('runs from a baseline schema dump, with psql lines and its emptied search_path left behind', async () => {
    const dump = "\\restrict abc\nSELECT pg_catalog.set_config('search_path', '', false);\nCREATE SCHEMA app;\nCREATE TABLE app.accounts (id serial PRIMARY KEY, email text NOT NULL);\n";
    const config = { sets: [{ dir: 'migrations', framework: 'knex', baseline: 'db/schema.sql' }] };
    const dir = project({ 'db/schema.sql': dump, 'migrations/20240102000000_add_name.js': addNameKnex }, config);
    const found = await findingsOf(dir, 'knex', 'pglite');
    expect(found['20240102000000_add_name.js'].map((f) => f.split(':')[0])).toEqual(['idempotent-down@7', 'idempotent-up@2', 'require-guard@3', 'require-guard@8']);
  }, 180_000);

  it('a setup that cannot run is one line naming it, not a finding on a migration', async () => {
    const config = { sets: [{ dir: 'migrations', framework: 'knex', setup: ['CREATE SCHEMA app', 'CREATE SCHEMA app'] }] };
    const dir = project({ 'migrations/20240101000000_accounts.js': guardedAccounts }, config);
    const error = await findingsOf(dir, 'knex', 'pglite').then(() => undefined, (e: Error) => e);
    expect(error?.name).toBe('SetupError');
    expect(error?.message).toBe('rollsafe.config.json: sets[0].setup failed on pglite: schema "app" already exists');
  }, 180_000);
});

const addNameKnex = `exports.up = (knex) =>
  knex.schema.withSchema('app').alterTable('accounts', (table) => {
    table.string('name');
  });

exports.down = (knex) =>
  knex.schema.withSchema('app').alterTable('accounts', (table) => {
    table.dropColumn('name');
  });
`;
