// The deploy guard on the local server: a knex project whose production database holds rows.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deploy, type DeployOptions } from '../../src/deploy/index.js';
import { readManifest } from '../../src/deploy/backup.js';
import { restoreBackup } from '../../src/deploy/restore.js';
import { execSql, parseDatabaseUrl } from '../../src/deploy/server.js';
import { readState } from '../../src/deploy/state.js';
import { verifyBackup } from '../../src/deploy/verify.js';
import { driftFromMigrations } from '../../src/drift/index.js';
import { addPlan, createAccounts, createDatabase, knexMigrate, knexProject, rows, serverReachable, uniqueNames, unguardedNickname } from './helpers.js';

const reachable = await serverReachable();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
});

/** A production database: 001 applied by knex itself, two accounts, and the given migrations on disk. */
async function production(pendingMigrations: Record<string, string>) {
  const database = await createDatabase('deploy');
  cleanups.push(database.drop);
  const dir = knexProject({ '001_create_accounts.cjs': createAccounts });
  const { execFileSync } = await import('node:child_process');
  execFileSync(knexMigrate[0], knexMigrate.slice(1), { cwd: dir, env: { ...process.env, DATABASE_URL: database.url }, stdio: 'ignore' });
  await execSql(database.db, `insert into accounts (email, name) values ('ada@example.com', 'Ada'), ('alan@example.com', 'Alan')`);
  for (const [name, source] of Object.entries(pendingMigrations)) writeFileSync(join(dir, 'migrations', name), source);
  const log: string[] = [];
  const options = (more: Partial<DeployOptions> = {}): DeployOptions => ({ cwd: dir, databaseUrl: database.url, command: knexMigrate, env: { ...process.env, DATABASE_URL: database.url }, log: (line) => log.push(line), ...more });
  return { ...database, dir, log, options };
}

const appliedNames = async (db: Parameters<typeof rows>[0]) => (await rows(db, 'select name from knex_migrations order by id')).map((r) => r.name);

describe.skipIf(!reachable)('rollsafe deploy (knex)', { timeout: 600_000 }, () => {
  it('backs up, verifies the backup by restoring it, then migrates with the rows kept', async () => {
    const prod = await production({ '002_add_accounts_plan.cjs': addPlan });
    const before = await readState(prod.db);
    const outcome = await deploy(prod.options());

    expect(outcome.exitCode).toBe(0);
    expect(outcome.refused).toBeUndefined();
    expect(existsSync(outcome.backup!)).toBe(true);
    const manifest = (await readManifest(outcome.backup!))!;
    expect(manifest.pending).toEqual([{ framework: 'knex', id: '002_add_accounts_plan.cjs' }]);
    expect(manifest.rowCounts).toMatchObject({ accounts: 2, knex_migrations: 1 });
    expect(manifest.schemaFingerprint).toBe(before.fingerprint);
    expect(prod.log.some((line) => /verified \(checksum, readable, restore\)/.test(line))).toBe(true);

    expect(await appliedNames(prod.db)).toEqual(['001_create_accounts.cjs', '002_add_accounts_plan.cjs']);
    expect(await rows(prod.db, 'select email, plan from accounts order by id')).toEqual([
      { email: 'ada@example.com', plan: 'free' },
      { email: 'alan@example.com', plan: 'free' },
    ]);
    // The scratch database of the verification is gone.
    expect(await rows(prod.db, `select datname from pg_database where datname like 'rollsafe_verify_%'`)).toEqual([]);
  });

  it('refuses a pending migration with a lint error before writing anything; --allow with a reason lets it through, logged', async () => {
    const prod = await production({ '002_add_accounts_nickname.cjs': unguardedNickname });
    const before = await readState(prod.db);
    const outcome = await deploy(prod.options());

    expect(outcome.exitCode).toBe(1);
    expect(outcome.refused!.flatMap((r) => r.messages.map((m) => m.ruleId)).sort()).toEqual(['idempotent-up', 'require-guard']);
    expect(existsSync(join(prod.dir, '.rollsafe/backups')) ? readdirSync(join(prod.dir, '.rollsafe/backups')) : []).toEqual([]);
    expect((await readState(prod.db)).fingerprint).toBe(before.fingerprint);
    expect(await appliedNames(prod.db)).toEqual(['001_create_accounts.cjs']);

    const reason = 'nickname is disposable: restore from the backup if it goes wrong';
    const partly = await deploy(prod.options({ allow: [{ rule: 'require-guard', reason }] }));
    expect(partly.exitCode).toBe(1);
    expect(partly.refused!.flatMap((r) => r.messages.map((m) => m.ruleId))).toEqual(['idempotent-up']);

    const allowed = await deploy(prod.options({ allow: [{ rule: 'require-guard', reason }, { rule: 'idempotent-up', reason }] }));
    expect(allowed.exitCode).toBe(0);
    expect((await readManifest(allowed.backup!))!.overrides).toEqual(
      expect.arrayContaining([{ rule: 'require-guard', reason }, { rule: 'idempotent-up', reason }]),
    );
    expect(prod.log.some((line) => /^allowed require-guard in .*002_add_accounts_nickname\.cjs:3: nickname is disposable/.test(line))).toBe(true);
    expect(await appliedNames(prod.db)).toEqual(['001_create_accounts.cjs', '002_add_accounts_nickname.cjs']);
  });

  it('a command failing on production data: its exit code, a verified backup, and a restore that puts schema and rows back exactly', async () => {
    const prod = await production({ '002_add_accounts_plan.cjs': addPlan, '003_unique_account_names.cjs': uniqueNames });
    await execSql(prod.db, `insert into accounts (email, name) values ('ada.l@example.com', 'Ada')`);
    const before = await readState(prod.db);
    const beforeRows = await rows(prod.db, 'select * from accounts order by id');

    const outcome = await deploy(prod.options());
    expect(outcome.exitCode).toBe(1);
    expect(outcome.restoreCommand).toBe(`rollsafe restore ${outcome.backup} --database-url ${prod.url}`);
    expect((await verifyBackup(outcome.backup!, prod.db)).ok).toBe(true);
    // knex rolled its batch back; what came after the backup (by hand here) must go on restore.
    expect(await appliedNames(prod.db)).toEqual(['001_create_accounts.cjs']);
    await execSql(prod.db, `create table audit_log (id serial primary key); create schema reporting; create extension if not exists pgcrypto; insert into accounts (email, name) values ('eve@example.com', 'Eve')`);

    await restoreBackup(outcome.backup!, prod.db);
    const after = await readState(prod.db);
    expect(after.snapshot).toEqual(before.snapshot);
    expect(after.rowCounts).toEqual(before.rowCounts);
    expect(await rows(prod.db, 'select * from accounts order by id')).toEqual(beforeRows);
    expect(await appliedNames(prod.db)).toEqual(['001_create_accounts.cjs']);
    // The sequence carries on where it was, so the next insert does not collide.
    await execSql(prod.db, `insert into accounts (email, name) values ('grace@example.com', 'Grace')`);
  });

  it('exits with the migrate command\u2019s own code', async () => {
    const prod = await production({});
    const outcome = await deploy(prod.options({ command: ['node', '-e', 'process.exit(7)'], verify: 'checksum' }));
    expect(outcome.exitCode).toBe(7);
    expect(existsSync(outcome.backup!)).toBe(true);
  });

  it('never writes the password into the manifest or the restore command', async () => {
    const prod = await production({});
    const url = new URL(prod.url);
    url.password = 's3cret-pw';
    const outcome = await deploy(prod.options({ databaseUrl: url.toString(), command: ['node', '-e', ''], verify: 'checksum' }));
    expect(outcome.exitCode).toBe(0);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(`${outcome.backup}.json`, 'utf8')).not.toContain('s3cret-pw');
    expect(outcome.restoreCommand).not.toContain('s3cret-pw');
    expect(prod.log.join('\n')).not.toContain('s3cret-pw');
    expect(parseDatabaseUrl(url.toString()).env.PGPASSWORD).toBe('s3cret-pw');
  });

  it('drift --database-url: a live database against a replay of the migrations it has applied', async () => {
    const prod = await production({ '002_add_accounts_plan.cjs': addPlan });
    // 002 is pending, so a replay leaves it out too.
    expect((await driftFromMigrations(prod.url, { cwd: prod.dir })).differences).toEqual([]);

    await execSql(prod.db, 'alter table accounts add column legacy_code text; create index accounts_legacy_code_idx on accounts (legacy_code)');
    const report = await driftFromMigrations(prod.url, { cwd: prod.dir });
    expect(report.differences.map((d) => d.message)).toEqual([
      `${prod.db.name} has column accounts.legacy_code, a replay of its migrations does not`,
      `${prod.db.name} has index accounts_legacy_code_idx, a replay of its migrations does not`,
    ]);
  });
});
