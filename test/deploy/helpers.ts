// Shared by the deploy tests: throwaway databases on the local server and a knex project in a temp folder.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSql, otherDatabase, parseDatabaseUrl, queryRows, quoteIdent, type Database } from '../../src/deploy/server.js';

export const databaseUrl = process.env.DATABASE_URL;
export const repo = new URL('../..', import.meta.url).pathname;

export async function serverReachable(): Promise<boolean> {
  if (!databaseUrl) {
    console.warn('deploy tests skipped: DATABASE_URL is unset (they need a real PostgreSQL server)');
    return false;
  }
  const url = new URL(databaseUrl);
  const ok = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false)).once('timeout', () => resolve(false));
    socket.connect(Number(url.port || 5432), url.hostname);
  });
  if (!ok) console.warn(`deploy tests skipped: ${url.host} is unreachable`);
  return ok;
}

/** A fresh database on the test server; returns its URL and a handle for queries. */
export async function createDatabase(prefix: string): Promise<{ url: string; db: Database; drop(): Promise<void> }> {
  const server = parseDatabaseUrl(databaseUrl!);
  const name = `rollsafe_test_${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await execSql(server, `create database ${quoteIdent(name)}`);
  const url = new URL(databaseUrl!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    db: otherDatabase(server, name),
    drop: () => execSql(server, `drop database if exists ${quoteIdent(name)} with (force)`),
  };
}

export const rows = queryRows;

/** A knex project: knexfile reading DATABASE_URL, migrations as given, rollsafe's node_modules linked in. */
export function knexProject(migrations: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-deploy-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'billing', private: true, devDependencies: { knex: '^3.3.0', pg: '^8.23.1' } }));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(
    join(dir, 'knexfile.cjs'),
    `module.exports = { client: 'pg', connection: process.env.DATABASE_URL, migrations: { directory: './migrations' } };\n`,
  );
  mkdirSync(join(dir, 'migrations'));
  for (const [name, source] of Object.entries(migrations)) writeFileSync(join(dir, 'migrations', name), source);
  return dir;
}

export const knexMigrate = ['node', join(repo, 'node_modules/knex/bin/cli.js'), 'migrate:latest', '--knexfile', 'knexfile.cjs'];

export const createAccounts = `exports.up = async (knex) => {
  if (await knex.schema.hasTable('accounts')) return;
  await knex.schema.createTable('accounts', (table) => {
    table.increments('id');
    table.string('email', 254).notNullable().unique();
    table.string('name', 120);
  });
};

exports.down = async (knex) => {
  await knex.schema.dropTableIfExists('accounts');
};
`;

export const addPlan = `exports.up = async (knex) => {
  if (await knex.schema.hasColumn('accounts', 'plan')) return;
  await knex.schema.alterTable('accounts', (table) => {
    table.string('plan', 20).notNullable().defaultTo('free');
  });
};

exports.down = async (knex) => {
  if (!(await knex.schema.hasColumn('accounts', 'plan'))) return;
  await knex.schema.alterTable('accounts', (table) => {
    table.dropColumn('plan');
  });
};
`;

/** Clean on an empty database; fails on production data holding two accounts of the same name. */
export const uniqueNames = `exports.up = async (knex) => {
  await knex.raw('create unique index if not exists accounts_name_key on accounts (name)');
};

exports.down = async (knex) => {
  await knex.raw('drop index if exists accounts_name_key');
};
`;

/** Unguarded: a second run fails (idempotent-up), though knex runs it once happily. */
export const unguardedNickname = `exports.up = async (knex) => {
  await knex.schema.alterTable('accounts', (table) => {
    table.string('nickname', 40);
  });
};

exports.down = async (knex) => {
  await knex.raw('alter table accounts drop column if exists nickname');
};
`;
