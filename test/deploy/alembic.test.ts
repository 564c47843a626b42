// The deploy guard for an Alembic project on the local server: revisions recorded in alembic_version.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/deploy/backup.js';
import { deploy, type DeployOptions } from '../../src/deploy/index.js';
import { restoreBackup } from '../../src/deploy/restore.js';
import { execSql } from '../../src/deploy/server.js';
import { readState } from '../../src/deploy/state.js';
import { createDatabase, rows, serverReachable } from './helpers.js';

const alembicInstalled = (() => {
  try {
    execFileSync('alembic', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('alembic deploy tests skipped: alembic is not installed');
    return false;
  }
})();
const reachable = alembicInstalled && (await serverReachable());
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
});

const revision = (id: string, parent: string | null, message: string, body: string) => `"""${message}

Revision ID: ${id}
Revises: ${parent ?? ''}
"""
from alembic import op
import sqlalchemy as sa

revision = "${id}"
down_revision = ${parent ? `"${parent}"` : 'None'}
branch_labels = None
depends_on = None


def _columns(table):
    return [column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)]


${body}
`;

const createAccounts = revision('a1c0ffee0001', null, 'create accounts', `def upgrade():
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120)),
        if_not_exists=True,
    )


def downgrade():
    op.drop_table("accounts", if_exists=True)`);

const addPlan = revision('b2c0ffee0002', 'a1c0ffee0001', 'add accounts.plan', `def upgrade():
    if "plan" not in _columns("accounts"):
        op.add_column("accounts", sa.Column("plan", sa.String(20), server_default="free", nullable=False))


def downgrade():
    if "plan" in _columns("accounts"):
        op.drop_column("accounts", "plan")`);

const unguardedNickname = revision('c3c0ffee0003', 'b2c0ffee0002', 'add accounts.nickname', `def upgrade():
    op.add_column("accounts", sa.Column("nickname", sa.String(40)))


def downgrade():
    if "nickname" in _columns("accounts"):
        op.drop_column("accounts", "nickname")`);

const uniqueNames = revision('c3c0ffee0004', 'b2c0ffee0002', 'unique account names', `def upgrade():
    op.create_index("accounts_name_key", "accounts", ["name"], unique=True, if_not_exists=True)


def downgrade():
    op.drop_index("accounts_name_key", table_name="accounts", if_exists=True)`);

const envPy = `import os

from alembic import context
from sqlalchemy import create_engine, pool

url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql+psycopg://", 1)


def run_migrations_online():
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`;

/** Production: the first revision applied by Alembic itself, two accounts, then the given revisions on disk. */
async function production(pending: Record<string, string>) {
  const database = await createDatabase('alembic');
  cleanups.push(database.drop);
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-deploy-alembic-'));
  writeFileSync(join(dir, 'alembic.ini'), '[alembic]\nscript_location = %(here)s\nprepend_sys_path = .\n');
  writeFileSync(join(dir, 'env.py'), envPy);
  mkdirSync(join(dir, 'versions'));
  writeFileSync(join(dir, 'versions', 'a1c0ffee0001_create_accounts.py'), createAccounts);
  const env = { ...process.env, DATABASE_URL: database.url };
  execFileSync('alembic', ['upgrade', 'head'], { cwd: dir, env, stdio: 'ignore' });
  await execSql(database.db, `insert into accounts (email, name) values ('ada@example.com', 'Ada'), ('alan@example.com', 'Alan')`);
  for (const [name, source] of Object.entries(pending)) writeFileSync(join(dir, 'versions', name), source);
  const log: string[] = [];
  const options = (): DeployOptions => ({ cwd: dir, databaseUrl: database.url, command: ['alembic', 'upgrade', 'head'], env, log: (line) => log.push(line) });
  return { ...database, dir, options };
}

const head = async (db: Parameters<typeof rows>[0]) => (await rows(db, 'select version_num from alembic_version')).map((r) => r.version_num);

describe.skipIf(!reachable)('rollsafe deploy (Alembic)', { timeout: 600_000 }, () => {
  it('backs up, verifies and upgrades with the rows kept', async () => {
    const prod = await production({ 'b2c0ffee0002_add_accounts_plan.py': addPlan });
    const outcome = await deploy(prod.options());
    expect(outcome.exitCode).toBe(0);
    expect((await readManifest(outcome.backup!))!.pending).toEqual([{ framework: 'alembic', id: 'b2c0ffee0002' }]);
    expect(await head(prod.db)).toEqual(['b2c0ffee0002']);
    expect(await rows(prod.db, 'select email, plan from accounts order by id')).toEqual([
      { email: 'ada@example.com', plan: 'free' },
      { email: 'alan@example.com', plan: 'free' },
    ]);
  });

  it('refuses a pending revision with a lint error, the database untouched and no backup written', async () => {
    const prod = await production({ 'b2c0ffee0002_add_accounts_plan.py': addPlan, 'c3c0ffee0003_add_accounts_nickname.py': unguardedNickname });
    const before = await readState(prod.db);
    const outcome = await deploy(prod.options());
    expect(outcome.exitCode).toBe(1);
    const refused = outcome.refused!.flatMap((r) => r.messages.map((m) => `${r.filePath.split('/').pop()} ${m.ruleId}`));
    expect(refused).toContain('c3c0ffee0003_add_accounts_nickname.py require-guard');
    expect(refused.some((r) => r.startsWith('b2c0ffee0002'))).toBe(false);
    expect(existsSync(join(prod.dir, '.rollsafe/backups')) ? readdirSync(join(prod.dir, '.rollsafe/backups')) : []).toEqual([]);
    expect((await readState(prod.db)).fingerprint).toBe(before.fingerprint);
    expect(await head(prod.db)).toEqual(['a1c0ffee0001']);
  });

  it('an upgrade failing on production data exits with its code; the backup restores schema and rows exactly', async () => {
    const prod = await production({ 'b2c0ffee0002_add_accounts_plan.py': addPlan, 'c3c0ffee0004_unique_account_names.py': uniqueNames });
    await execSql(prod.db, `insert into accounts (email, name) values ('ada.l@example.com', 'Ada')`);
    const before = await readState(prod.db);
    const beforeRows = await rows(prod.db, 'select * from accounts order by id');

    const outcome = await deploy(prod.options());
    expect(outcome.exitCode).toBe(1);
    expect(outcome.restoreCommand).toMatch(/^rollsafe restore \S+\.dump --database-url postgres:\/\//);
    await execSql(prod.db, 'create table hotfix (id int)');

    await restoreBackup(outcome.backup!, prod.db);
    const after = await readState(prod.db);
    expect(after.snapshot).toEqual(before.snapshot);
    expect(after.rowCounts).toEqual(before.rowCounts);
    expect(await rows(prod.db, 'select * from accounts order by id')).toEqual(beforeRows);
    expect(await head(prod.db)).toEqual(['a1c0ffee0001']);
  });
});
