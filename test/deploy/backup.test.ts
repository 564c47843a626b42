// verify-backup, restore and drift on the local server; retention and pending-migration logic without one.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, truncateSync, utimesSync, writeFileSync, existsSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { takeBackup } from '../../src/deploy/backup.js';
import { pendingOf } from '../../src/deploy/pending.js';
import { applyRetention } from '../../src/deploy/retention.js';
import { restoreBackup } from '../../src/deploy/restore.js';
import { execSql, parseDatabaseUrl, serverMajor } from '../../src/deploy/server.js';
import { verifyBackup } from '../../src/deploy/verify.js';
import { driftBetween, formatDrift } from '../../src/drift/index.js';
import type { MigrationSet } from '../../src/types.js';
import { createDatabase, databaseUrl, repo, rows, serverReachable } from './helpers.js';

const reachable = await serverReachable();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
});

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
function rollsafe(args: string[], cwd = repo): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', tsx, join(repo, 'src/cli.ts'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const schema = `
  create type account_status as enum ('active', 'closed');
  create table accounts (id serial primary key, email varchar(254) not null unique, status account_status not null default 'active');
  create table invoices (id bigserial primary key, account_id int not null references accounts (id), total_cents int not null check (total_cents >= 0));
  create index invoices_account_id_idx on invoices (account_id);
  create view open_accounts as select id, email from accounts where status = 'active';
  create function touch() returns trigger language plpgsql as $$ begin return new; end $$;
  create trigger invoices_touch before update on invoices for each row execute function touch();
  insert into accounts (email) values ('ada@example.com'), ('alan@example.com');
  insert into invoices (account_id, total_cents) values (1, 1200), (1, 300), (2, 990);
`;

async function databaseWithData(prefix: string) {
  const database = await createDatabase(prefix);
  cleanups.push(database.drop);
  await execSql(database.db, schema);
  return database;
}

describe.skipIf(!reachable)('backups on the local server', { timeout: 300_000 }, () => {
  it('verify-backup passes a good backup and fails a truncated one (with or without its manifest)', async () => {
    const { db } = await databaseWithData('verify');
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-backups-'));
    const { path, manifest } = await takeBackup(db, { dir, serverVersion: (await serverMajor(db)).version });
    expect(manifest.rowCounts).toEqual({ accounts: 2, invoices: 3 });
    expect(manifest.size).toBe(statSync(path).size);

    const good = await rollsafe(['verify-backup', path, '--database-url', databaseUrl!, '--format', 'json']);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, checked: ['checksum', 'readable', 'restore'], problems: [] });

    const truncated = join(dir, 'truncated.dump');
    copyFileSync(path, truncated);
    truncateSync(truncated, Math.floor(manifest.size * 0.6));
    writeFileSync(`${truncated}.json`, JSON.stringify({ ...manifest, file: 'truncated.dump' }));
    const bad = await rollsafe(['verify-backup', truncated, '--database-url', databaseUrl!]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BAD\n\s+the file does not match its manifest checksum/);

    // Without a manifest, only a real restore can tell.
    const bare = join(dir, 'bare.dump');
    copyFileSync(truncated, bare);
    const result = await verifyBackup(bare, db);
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatch(/pg_restore cannot read it|does not restore/);
  });

  it('without the right to create databases, verification falls back to the checksum and says so', async () => {
    const { db, url } = await databaseWithData('nocreatedb');
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-backups-'));
    const { path } = await takeBackup(db, { dir, serverVersion: '15' });
    const role = `rollsafe_nocreatedb_${process.pid}`;
    await execSql(db, `create role ${role} login nocreatedb`);
    const limited = new URL(url);
    limited.username = role;
    const result = await verifyBackup(path, parseDatabaseUrl(limited.toString())).finally(() => execSql(db, `drop role if exists ${role}`));
    expect(result).toMatchObject({ ok: true, checked: ['checksum', 'readable'] });
    expect(result.skipped).toMatch(/^the server refused a scratch database \(permission denied to create database.*\); only the checksum and readability were checked$/);
  });

  it('restore puts schema and rows back exactly, and removes what was created after the backup', async () => {
    const { db } = await databaseWithData('restore');
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-backups-'));
    const { path } = await takeBackup(db, { dir, serverVersion: '15' });
    const before = await rows(db, 'select * from invoices order by id');
    await execSql(db, `
      alter table accounts add column legacy_code text;
      create table later (id int);
      create schema reporting;
      create extension if not exists pgcrypto;
      delete from invoices where id = 2;
      insert into accounts (email) values ('eve@example.com');`);

    const refused = await rollsafe(['restore', path, '--database-url', new URL(db.safeUrl).toString()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^rollsafe: restore overwrites database rollsafe_test_restore_\w+ on [\w.:]+: pass --yes to confirm\n$/);

    await restoreBackup(path, db);
    expect(await rows(db, 'select * from invoices order by id')).toEqual(before);
    expect(await rows(db, `select column_name from information_schema.columns where table_name = 'accounts' order by ordinal_position`)).toEqual([
      { column_name: 'id' },
      { column_name: 'email' },
      { column_name: 'status' },
    ]);
    expect(await rows(db, `select to_regclass('later') is null as gone, (select count(*)::int from pg_namespace where nspname = 'reporting') as schemas, (select count(*)::int from pg_extension where extname = 'pgcrypto') as extensions`)).toEqual([
      { gone: true, schemas: 0, extensions: 0 },
    ]);
    expect(await rows(db, 'select count(*)::int as n from accounts')).toEqual([{ n: 2 }]);
  });

  it('a damaged backup is refused before the database is touched', async () => {
    const { db } = await databaseWithData('damaged');
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-backups-'));
    const { path, manifest } = await takeBackup(db, { dir, serverVersion: '15' });
    truncateSync(path, manifest.size - 100);
    await execSql(db, 'create table after_backup (id int)');
    await expect(restoreBackup(path, db)).rejects.toThrow(/does not match its manifest's checksum .*nothing was restored/);
    expect(await rows(db, `select to_regclass('after_backup') is not null as present`)).toEqual([{ present: true }]);
  });
});

describe.skipIf(!reachable)('drift on the local server', { timeout: 300_000 }, () => {
  it('is silent on identical databases, and names a hand-added column and index', async () => {
    const staging = await databaseWithData('staging');
    const production = await databaseWithData('production');
    const same = await driftBetween(staging.url, production.url);
    expect(same.differences).toEqual([]);
    expect(formatDrift(same)).toMatch(/^no drift/);

    await execSql(staging.db, 'alter table accounts add column legacy_code text; create index accounts_legacy_code_idx on accounts (legacy_code);');
    const drift = await rollsafe(['drift', '--from', staging.url, '--to', production.url]);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain(`${staging.db.name} has column accounts.legacy_code, ${production.db.name} does not`);
    expect(drift.stdout).toContain(`${staging.db.name} has index accounts_legacy_code_idx, ${production.db.name} does not`);
    expect(drift.stdout.trim().split('\n')).toHaveLength(3);

    await execSql(production.db, `alter table invoices alter column total_cents type bigint; drop trigger invoices_touch on invoices`);
    const json = await rollsafe(['drift', '--from', staging.url, '--to', production.url, '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).differences.map((d: { kind: string; object: string }) => `${d.kind} ${d.object}`)).toEqual([
      'only-from column accounts.legacy_code',
      'differs column invoices.total_cents',
      'only-from index accounts_legacy_code_idx',
      'only-from trigger invoices_touch on invoices',
    ]);
  });
});

describe.skipIf(!reachable)('bad input: one line, exit 2, nothing written', { timeout: 300_000 }, () => {
  const oneLine = (run: { code: number | null; stdout: string; stderr: string }, message: RegExp) => {
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  };

  it('unreachable server, unknown user, unwritable backup folder, missing migrate command', async () => {
    const project = mkdtempSync(join(tmpdir(), 'rollsafe-deploy-bad-'));
    writeFileSync(join(project, 'package.json'), '{"name":"app"}');
    const { url, db } = await databaseWithData('badinput');
    const wrongUser = new URL(url);
    wrongUser.username = 'nobody_here';
    wrongUser.password = 'hunter2-secret';
    writeFileSync(join(project, 'not-a-folder'), '');

    const runs = await Promise.all([
      rollsafe(['deploy', '--database-url', 'postgres://postgres@127.0.0.1:1/app', '--', 'true'], project),
      rollsafe(['deploy', '--database-url', wrongUser.toString(), '--', 'true'], project),
      rollsafe(['deploy', '--database-url', url, '--backup-dir', join(project, 'not-a-folder', 'backups'), '--', 'true'], project),
      rollsafe(['deploy', '--database-url', url, '--', 'no-such-migrate-tool', 'up'], project),
    ]);
    oneLine(runs[0], /^rollsafe: cannot reach the Postgres server at 127\.0\.0\.1:1\n/);
    oneLine(runs[1], /^rollsafe: the server at [\w.:]+ refused the credentials of user "nobody_here"\n/);
    expect(runs[1].stderr).not.toContain('hunter2-secret');
    oneLine(runs[2], /^rollsafe: the backup folder .*not-a-folder\/backups is not writable\n/);
    oneLine(runs[3], /^rollsafe: the migrate command "no-such-migrate-tool" was not found\n/);
    expect(existsSync(join(project, '.rollsafe'))).toBe(false);
    expect(await rows(db, 'select count(*)::int as n from accounts')).toEqual([{ n: 2 }]);
  });

  it('client tools older than the server', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'rollsafe-old-tools-'));
    writeFileSync(join(bin, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n', { mode: 0o755 });
    symlinkSync(execFileSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).trim(), join(bin, 'psql'));
    const { db } = await databaseWithData('oldtools');
    const { major } = await serverMajor(db);
    const child = spawn(process.execPath, ['--import', tsx, join(repo, 'src/cli.ts'), 'verify-backup', 'any.dump', '--database-url', databaseUrl!], {
      env: { ...process.env, ROLLSAFE_PG_BIN: bin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise((done) => child.on('close', done));
    expect(code).toBe(2);
    expect(stderr).toBe(`rollsafe: pg_dump 9 is older than the server (PostgreSQL ${major}): install the PostgreSQL ${major} client tools or set ROLLSAFE_PG_BIN\n`);
  });
});

describe('retention', () => {
  it('keeps the newest N and none older than D days, never the backup just taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollsafe-retention-'));
    const now = new Date('2026-11-25T12:00:00Z');
    const ages = { 'app-a.dump': 1, 'app-b.dump': 3, 'app-c.dump': 10, 'app-d.dump': 40 };
    for (const [name, days] of Object.entries(ages)) {
      writeFileSync(join(dir, name), name);
      writeFileSync(join(dir, `${name}.json`), '{}');
      const time = new Date(now.getTime() - days * 86_400_000);
      utimesSync(join(dir, name), time, time);
    }
    expect((await applyRetention(dir, { keep: 3 }, [], now)).map((p) => p.slice(dir.length + 1))).toEqual(['app-d.dump']);
    expect(existsSync(join(dir, 'app-d.dump.json'))).toBe(false);
    expect((await applyRetention(dir, { keepDays: 7 }, [join(dir, 'app-c.dump')], now))).toEqual([]);
    expect((await applyRetention(dir, { keepDays: 2 }, [], now)).map((p) => p.slice(dir.length + 1)).sort()).toEqual(['app-b.dump', 'app-c.dump']);
    expect(readFileSync(join(dir, 'app-a.dump'), 'utf8')).toBe('app-a.dump');
    expect(await applyRetention(dir, {}, [], now)).toEqual([]);
  });
});

describe('pending migrations from bookkeeping', () => {
  const set = (framework: MigrationSet['framework'], ids: string[]): MigrationSet => ({
    dir: '/app/migrations',
    framework,
    projectDir: '/app',
    migrations: ids.map((id) => ({ id, path: `/app/migrations/${id}` })),
  });
  const ids = (files: { id: string }[]) => files.map((f) => f.id);

  it('knex: names recorded, with a .ts project built to .js still matching', () => {
    const knex = set('knex', ['001_accounts.js', '002_invoices.js', '003_plan.js']);
    expect(ids(pendingOf(knex, { ids: ['001_accounts.ts', '002_invoices.js'] }))).toEqual(['003_plan.js']);
    expect(ids(pendingOf(knex, { ids: [] }))).toEqual(['001_accounts.js', '002_invoices.js', '003_plan.js']);
  });

  it('golang-migrate: every version after the one reached', () => {
    expect(ids(pendingOf(set('golang-migrate', ['1', '2', '20240101']), { ids: ['2'] }))).toEqual(['20240101']);
  });

  it('alembic: revisions after the head reached, in graph order', () => {
    expect(ids(pendingOf(set('alembic', ['a1b2', 'c3d4', 'e5f6']), { ids: ['c3d4'] }))).toEqual(['e5f6']);
    expect(ids(pendingOf(set('alembic', ['a1b2', 'c3d4']), { ids: [] }))).toEqual(['a1b2', 'c3d4']);
  });
});
