// Ctrl-C (SIGINT) or SIGTERM in the middle of a dump, a verification or a restore: nothing half-made
// is left (no partial dump, no scratch database, no private copy of the backup), the database is as
// it was; and after a SIGKILL, which nothing can catch, the next run sweeps what was left.
// The client tools are wrapped so that each run stops, for as long as the test needs, exactly where
// a slow real one would be: pg_dump half-way through its file, pg_restore writing its script, psql
// inside the restore's transaction.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeBackup } from '../../src/deploy/backup.js';
import { execSql, parseDatabaseUrl } from '../../src/deploy/server.js';
import { createAccounts, createDatabase, databaseUrl, knexMigrate, knexProject, rows, serverReachable } from '../deploy/helpers.js';
import { dumpOf, rollsafe, startCli } from './run-cli.js';

const reachable = await serverReachable();
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => undefined);
});

const real = (tool: string) => execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();

type Tool = 'pg_dump' | 'pg_restore' | 'psql';

/** A bin folder whose `stalled` tool stops where a slow real one would be, says so in $ROLLSAFE_TEST_MARKER, then waits; the others are the real tools. */
function stallingTools(stalled: Tool): string {
  const bin = mkdtempSync(join(tmpdir(), 'rollsafe-stalling-tools-'));
  const outputOf = `out=; prev=; for a in "$@"; do [ "$prev" = "--file" ] && out="$a"; prev="$a"; done`;
  const stalls: Record<Tool, string> = {
    // pg_dump: half its file written.
    pg_dump: `case " $* " in *" --version "*) exec ${real('pg_dump')} "$@";; esac\n${outputOf}\nprintf 'PGDMP half' > "$out"\necho $$ > "$ROLLSAFE_TEST_MARKER"\nexec sleep 120`,
    // pg_restore: half its script written.
    pg_restore: `case " $* " in *" --list "*) exec ${real('pg_restore')} "$@";; esac\n${outputOf}\nprintf -- '-- half a script' > "$out"\necho $$ > "$ROLLSAFE_TEST_MARKER"\nexec sleep 120`,
    // psql: the restore run for real, its transaction (whose prelude emptied the database) then held open.
    psql: `case " $* " in *" --single-transaction "*) echo $$ > "$ROLLSAFE_TEST_MARKER"; exec ${real('psql')} "$@" -c 'select pg_sleep(8)';; esac\nexec ${real('psql')} "$@"`,
  };
  for (const tool of ['pg_dump', 'pg_restore', 'psql'] as const) {
    writeFileSync(join(bin, tool), `#!/bin/sh\n${tool === stalled ? stalls[tool] : `exec ${real(tool)} "$@"`}\n`, { mode: 0o755 });
  }
  return bin;
}

/** Waits for the marker, and kills the stalled tool at the end of the test whatever happens. */
async function stalledPid(marker: string): Promise<number> {
  for (let i = 0; i < 1200 && !existsSync(marker); i++) await new Promise((done) => setTimeout(done, 100));
  const pid = Number(readFileSync(marker, 'utf8').trim());
  cleanups.push(() => process.kill(pid, 'SIGKILL'));
  return pid;
}

const server = () => parseDatabaseUrl(databaseUrl!);
const scratchOf = async (pid: number) => (await rows(server(), `select datname from pg_database where datname like 'rollsafe\\_${pid}\\_%'`)).map((r) => r.datname);
const workspacesOf = (pid: number) => readdirSync(tmpdir()).filter((name) => name.startsWith(`rollsafe-restore-${pid}-`));

describe.skipIf(!reachable)('interrupted runs leave nothing behind', { timeout: 300_000 }, () => {
  const bin = { pg_dump: '', pg_restore: '', psql: '' };
  let backup: { path: string };
  beforeAll(async () => {
    for (const tool of ['pg_dump', 'pg_restore', 'psql'] as const) bin[tool] = stallingTools(tool);
    const source = await createDatabase('interrupt_src');
    cleanups.push(source.drop);
    await execSql(source.db, `create table notes (id int primary key, body text); insert into notes select n, 'note ' || n from generate_series(1, 100) n;`);
    backup = await takeBackup(source.db, { dir: mkdtempSync(join(tmpdir(), 'rollsafe-interrupt-backups-')), serverVersion: '15' });
  });

  it('SIGTERM during the backup of a deploy: no partial dump, nothing migrated', async () => {
    const target = await createDatabase('interrupt_deploy');
    cleanups.push(target.drop);
    const project = knexProject({ '20240101000000_accounts.js': createAccounts });
    const marker = join(project, 'marker');
    const { child, done } = startCli(['deploy', '--database-url', target.url, '--backup-dir', 'backups', '--', ...knexMigrate], {
      cwd: project,
      env: { ROLLSAFE_PG_BIN: bin.pg_dump, ROLLSAFE_TEST_MARKER: marker, DATABASE_URL: target.url },
    });
    await stalledPid(marker);
    expect(readdirSync(join(project, 'backups')).some((name) => name.endsWith('.partial'))).toBe(true);
    child.kill('SIGTERM');
    const run = await done;
    expect(run.signal).toBe('SIGTERM');
    expect(readdirSync(join(project, 'backups'))).toEqual([]);
    expect(await rows(target.db, `select to_regclass('accounts') is null as unmigrated`)).toEqual([{ unmigrated: true }]);
  });

  it('SIGINT during verify-backup: the scratch database and the private copy of the backup are gone', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'rollsafe-marker-')), 'marker');
    const { child, done } = startCli(['verify-backup', backup.path, '--database-url', databaseUrl!], { env: { ROLLSAFE_PG_BIN: bin.pg_restore, ROLLSAFE_TEST_MARKER: marker } });
    await stalledPid(marker);
    // Caught in the middle: its scratch database and its workspace exist.
    expect(await scratchOf(child.pid!)).toHaveLength(1);
    expect(workspacesOf(child.pid!)).toHaveLength(1);
    child.kill('SIGINT');
    const run = await done;
    expect(run.signal).toBe('SIGINT');
    expect(await scratchOf(child.pid!)).toEqual([]);
    expect(workspacesOf(child.pid!)).toEqual([]);
  });

  it('SIGTERM during restore, inside its transaction: the database is unchanged', async () => {
    const target = await createDatabase('interrupt_restore');
    cleanups.push(target.drop);
    await execSql(target.db, `create table keep_me (id int); insert into keep_me values (42);`);
    const before = dumpOf(target.url);
    const marker = join(mkdtempSync(join(tmpdir(), 'rollsafe-marker-')), 'marker');
    const { child, done } = startCli(['restore', backup.path, '--database-url', target.url, '--yes'], { env: { ROLLSAFE_PG_BIN: bin.psql, ROLLSAFE_TEST_MARKER: marker } });
    await stalledPid(marker);
    // Wait until the restore's session sits in the transaction that already emptied the database.
    let inside = false;
    for (let i = 0; i < 100 && !inside; i++) {
      inside = (await rows(server(), `select 1 from pg_stat_activity where datname = '${target.db.name}' and query = 'select pg_sleep(8)'`)).length > 0;
      if (!inside) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(inside).toBe(true);
    child.kill('SIGTERM');
    const run = await done;
    expect(run).toMatchObject({ signal: 'SIGTERM' });
    expect(workspacesOf(child.pid!)).toEqual([]);
    expect(dumpOf(target.url)).toBe(before);
  });

  it('after a SIGKILL, the next run sweeps the partial dump, the scratch database and the workspace', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'rollsafe-marker-')), 'marker');
    const killed = startCli(['verify-backup', backup.path, '--database-url', databaseUrl!], { env: { ROLLSAFE_PG_BIN: bin.pg_restore, ROLLSAFE_TEST_MARKER: marker } });
    await stalledPid(marker);
    killed.child.kill('SIGKILL');
    await killed.done;
    const pid = killed.child.pid!;
    expect(await scratchOf(pid)).toHaveLength(1);
    expect(workspacesOf(pid)).toHaveLength(1);
    const next = await rollsafe(['verify-backup', backup.path, '--database-url', databaseUrl!]);
    expect(next.code).toBe(0);
    expect(await scratchOf(pid)).toEqual([]);
    expect(workspacesOf(pid)).toEqual([]);

    const target = await createDatabase('interrupt_kill');
    cleanups.push(target.drop);
    const project = knexProject({ '20240101000000_accounts.js': createAccounts });
    const dumpMarker = join(project, 'marker');
    const deploy = startCli(['deploy', '--database-url', target.url, '--backup-dir', 'backups', '--', ...knexMigrate], {
      cwd: project,
      env: { ROLLSAFE_PG_BIN: bin.pg_dump, ROLLSAFE_TEST_MARKER: dumpMarker, DATABASE_URL: target.url },
    });
    await stalledPid(dumpMarker);
    deploy.child.kill('SIGKILL');
    await deploy.done;
    expect(readdirSync(join(project, 'backups')).filter((name) => name.endsWith(`.${deploy.child.pid}.partial`))).toHaveLength(1);
    const { path } = await takeBackup(target.db, { dir: join(project, 'backups'), serverVersion: '15' });
    expect(readdirSync(join(project, 'backups')).sort()).toEqual([path.slice(path.lastIndexOf('/') + 1), `${path.slice(path.lastIndexOf('/') + 1)}.json`].sort());
  });
});
