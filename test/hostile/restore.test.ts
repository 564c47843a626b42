// restore of a file that is not a good backup must leave the database exactly as it was: pg_dump of a
// populated database before and after each attempt is compared byte for byte.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeBackup, type BackupManifest } from '../../src/deploy/backup.js';
import { execSql } from '../../src/deploy/server.js';
import { createDatabase, rows, serverReachable } from '../deploy/helpers.js';
import { dumpOf, expectOneLine, rollsafe } from './run-cli.js';

const reachable = await serverReachable();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const schema = `
  create type account_status as enum ('active', 'closed');
  create table accounts (id serial primary key, email varchar(254) not null unique, status account_status not null default 'active');
  create table invoices (id bigserial primary key, account_id int not null references accounts (id), total_cents int not null check (total_cents >= 0));
  create view open_accounts as select id, email from accounts where status = 'active';
  insert into accounts (email) select 'user' || n || '@example.com' from generate_series(1, 200) n;
  insert into invoices (account_id, total_cents) select 1 + n % 200, n from generate_series(1, 2000) n;
`;

describe.skipIf(!reachable)('restore of a bad file leaves the database byte-for-byte unchanged', { timeout: 300_000 }, () => {
  let target: Awaited<ReturnType<typeof createDatabase>>;
  let dir: string;
  let good: { path: string; manifest: BackupManifest };
  let before: string;

  beforeAll(async () => {
    // The backup is of another database: restoring it would visibly change the target.
    const source = await createDatabase('hostile_src');
    cleanups.push(source.drop);
    await execSql(source.db, schema);
    dir = mkdtempSync(join(tmpdir(), 'rollsafe-hostile-restore-'));
    good = await takeBackup(source.db, { dir, serverVersion: '15' });
    target = await createDatabase('hostile_dst');
    cleanups.push(target.drop);
    await execSql(target.db, `${schema}\ncreate table only_in_target (note text); insert into only_in_target values ('keep me');`);
    before = dumpOf(target.url);
    expect(before).toContain('only_in_target');
  });

  const restore = (file: string, ...flags: string[]) => rollsafe(['restore', file, '--database-url', target.url, '--yes', ...flags]);
  const unchanged = () => expect(dumpOf(target.url)).toBe(before);
  const file = (name: string, content: Buffer | string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  /** A copy of the good backup under `name`, with a manifest that names it (checksum still the good one's). */
  const copyWithManifest = (name: string) => {
    const path = join(dir, name);
    copyFileSync(good.path, path);
    writeFileSync(`${path}.json`, JSON.stringify({ ...good.manifest, file: name }));
    return path;
  };

  it('an empty file: refused without a manifest, and unreadable with --no-manifest', async () => {
    const empty = file('empty.dump', '');
    expectOneLine(await restore(empty), /^rollsafe: .*empty\.dump has no manifest \(empty\.dump\.json\) to check it against: nothing was restored \(--no-manifest restores it anyway\)\n$/);
    unchanged();
    expectOneLine(await restore(empty, '--no-manifest'), /^rollsafe: pg_restore cannot read .*empty\.dump \(input file is too short.*\): nothing was restored\n$/);
    unchanged();
  });

  it('random bytes', async () => {
    const random = file('random.dump', execFileSync('head', ['-c', '65536', '/dev/urandom']));
    expectOneLine(await restore(random, '--no-manifest'), /^rollsafe: pg_restore cannot read .*random\.dump \(input file does not appear to be a valid archive\): nothing was restored\n$/);
    unchanged();
  });

  it('the manifest picked instead of the backup (tab completion)', async () => {
    expectOneLine(await restore(`${good.path}.json`), /^rollsafe: .*\.dump\.json is a backup manifest, not a backup: the backup it describes is .*\.dump: nothing was restored\n$/);
    expectOneLine(await restore(`${good.path}.json`, '--no-manifest'), /is a backup manifest, not a backup/);
    unchanged();
  });

  it('a truncated dump, cut in its data or near its end, with --no-manifest (what Ctrl-C during pg_dump used to leave)', async () => {
    for (const fraction of [0.05, 0.6, 0.99]) {
      const truncated = join(dir, `truncated-${fraction}.dump`);
      copyFileSync(good.path, truncated);
      truncateSync(truncated, Math.floor(good.manifest.size * fraction));
      expectOneLine(await restore(truncated, '--no-manifest'), /^rollsafe: pg_restore cannot read .*truncated-[\d.]+\.dump \(.*\): nothing was restored\n$/);
      unchanged();
    }
  });

  it('a dump whose manifest checksum does not match (one byte changed, or truncated)', async () => {
    const flipped = copyWithManifest('flipped.dump');
    const bytes = readFileSync(flipped);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(flipped, bytes);
    expectOneLine(await restore(flipped), /^rollsafe: .*flipped\.dump does not match its manifest's checksum \(damaged or truncated\): nothing was restored\n$/);
    const truncated = copyWithManifest('short.dump');
    truncateSync(truncated, good.manifest.size - 100);
    expectOneLine(await restore(truncated, '--no-manifest'), /short\.dump does not match its manifest's checksum/);
    unchanged();
  });

  it('a good archive whose replay fails half-way rolls back the clearing prelude too (one transaction)', async () => {
    // Valid for pg_restore, checksum right: only the server can refuse it (its tables belong to a role that is gone).
    const ghost = `rollsafe_ghost_${process.pid}`;
    const source = await createDatabase('hostile_ghost');
    cleanups.push(source.drop);
    await execSql(source.db, `create role ${ghost}; create table owned_by_ghost (id int); alter table owned_by_ghost owner to ${ghost}; insert into owned_by_ghost values (1);`);
    const ghostDir = mkdtempSync(join(tmpdir(), 'rollsafe-hostile-ghost-'));
    const backup = await takeBackup(source.db, { dir: ghostDir, serverVersion: '15' });
    await execSql(source.db, `drop table owned_by_ghost; drop role ${ghost};`);
    const run = await restore(backup.path);
    expectOneLine(run, /^rollsafe: restore failed, the database was left as it was: role "rollsafe_ghost_\d+" does not exist\n$/);
    unchanged();
  });

  it('a symlinked backup is judged by the manifest beside the file it points to', async () => {
    // An attacker replaces the backup with a link to junk and leaves the genuine manifest (renamed) at the link.
    const junk = file('junk.bin', execFileSync('head', ['-c', '4096', '/dev/urandom']));
    const link = join(dir, 'latest.dump');
    symlinkSync(junk, link);
    writeFileSync(`${link}.json`, JSON.stringify({ ...good.manifest, file: 'latest.dump' }));
    expectOneLine(await restore(link), /^rollsafe: .*latest\.dump has no manifest .*: nothing was restored/);
    // A link to the good backup from another folder is restored from the real file, checked by its own manifest.
    const otherDir = mkdtempSync(join(tmpdir(), 'rollsafe-hostile-link-'));
    symlinkSync(good.path, join(otherDir, 'app.dump'));
    const linkedTarget = await createDatabase('hostile_link');
    cleanups.push(linkedTarget.drop);
    const ok = await rollsafe(['restore', join(otherDir, 'app.dump'), '--database-url', linkedTarget.url, '--yes']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain(`(${good.path})`);
    expect(await rows(linkedTarget.db, 'select count(*)::int as n from invoices')).toEqual([{ n: 2000 }]);
    unchanged();
  });

  it('a manifest pointing at another file, or not a manifest at all', async () => {
    const other = join(dir, 'other.dump');
    copyFileSync(good.path, other);
    copyFileSync(`${good.path}.json`, `${other}.json`);
    expectOneLine(await restore(other), /^rollsafe: its manifest .*other\.dump\.json describes rollsafe_test_hostile_src_[\w-]+\.dump, not other\.dump: nothing was restored\n$/);
    const forged = copyWithManifest('forged.dump');
    writeFileSync(`${forged}.json`, '{"file": "forged.dump", "sha256": "not a checksum"}');
    expectOneLine(await restore(forged), /its manifest .*forged\.dump\.json is not a rollsafe backup manifest: nothing was restored/);
    unchanged();
  });

  it('a FIFO or a folder is refused without being read (no hang)', async () => {
    const fifo = join(dir, 'fifo.dump');
    execFileSync('mkfifo', [fifo]);
    expectOneLine(await restore(fifo, '--no-manifest'), /^rollsafe: .*fifo\.dump is not a regular file: nothing was read from it\n$/);
    const folder = join(dir, 'folder.dump');
    mkdirSync(folder);
    expectOneLine(await restore(folder, '--no-manifest'), /folder\.dump is not a regular file/);
    unchanged();
  });
});

describe.skipIf(!reachable)('backup files are private', { timeout: 120_000 }, () => {
  it('dump and manifest 0600 in a 0700 folder, and rollsafe\'s own folder is tightened', async () => {
    const database = await createDatabase('hostile_modes');
    cleanups.push(database.drop);
    await execSql(database.db, schema);
    const root = mkdtempSync(join(tmpdir(), 'rollsafe-hostile-modes-'));
    const previous = process.umask(0o022);
    try {
      const created = join(root, 'new', 'backups');
      const { path } = await takeBackup(database.db, { dir: created, serverVersion: '15' });
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect([mode(join(root, 'new')), mode(created), mode(path), mode(`${path}.json`)]).toEqual([0o700, 0o700, 0o600, 0o600]);
      // A .rollsafe/backups left world-readable by an older version is made private.
      const own = join(root, 'project', '.rollsafe', 'backups');
      mkdirSync(own, { recursive: true, mode: 0o755 });
      await takeBackup(database.db, { dir: own, serverVersion: '15' });
      expect(mode(own)).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });
});
