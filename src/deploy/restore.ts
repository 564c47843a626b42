// Puts a database back exactly as a backup holds it: everything of the user's is dropped first (so what
// was created after the backup goes), then the dump is replayed, all in one transaction. Nothing is
// touched until the whole archive has been read: the backup is copied into a private folder (checked
// against its manifest as it is copied, so the file cannot change under the check), pg_restore writes
// its complete script there, and only then does psql run the clearing prelude and the script as files
// in one transaction that commits after the last statement succeeded.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { locateBackup } from './backup.js';
import { cleanedUpOnSignal, sweepLeftoverFiles } from './interrupt.js';
import { connectionProblem, DeployError, firstError, runTool, toolPath, type Database } from './server.js';

/** Drops the user's extensions and schemas, and gives back an empty `public` with its usual owner and grants. */
const clearDatabase = `
do $rollsafe$
declare
  owner text := coalesce((select nspowner::regrole::text from pg_namespace where nspname = 'public'), current_user);
  note text := (select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = 'public');
  item record;
begin
  for item in select extname from pg_extension where extname <> 'plpgsql' loop
    execute format('drop extension if exists %I cascade', item.extname);
  end loop;
  for item in select nspname from pg_namespace
      where nspname not in ('information_schema', 'pg_catalog', 'pg_toast') and nspname not like 'pg\\_temp\\_%' and nspname not like 'pg\\_toast\\_temp\\_%' loop
    execute format('drop schema %I cascade', item.nspname);
  end loop;
  execute format('create schema public authorization %s', owner);
  execute 'grant usage on schema public to public';
  if note is not null then
    execute format('comment on schema public is %L', note);
  end if;
  if current_setting('server_version_num')::int < 150000 then
    execute 'grant create on schema public to public';
  end if;
end
$rollsafe$;
`;

/** Private working folders of restores, named for their process so a later run sweeps a killed one's. */
const workspacePrefix = 'rollsafe-restore-';
const workspaceOfGoneRun = /^rollsafe-restore-(\d+)-/;

/** Copies `from` to a new 0600 file `to`, and returns the sha256 of exactly the bytes copied. */
async function copyHashed(from: string, to: string): Promise<string> {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx', mode: 0o600 }));
  return hash.digest('hex');
}

export interface RestoreOptions {
  /** Objects owned by the restoring user, grants left out (a scratch database of verify-backup). */
  noOwner?: boolean;
  /** Restore a file that has no manifest (its checksum cannot be checked). */
  noManifest?: boolean;
}

/** Restores `backupFile` over `database`: schema and rows exactly as backed up, nothing else left. Returns the file restored (symlinks resolved). */
export async function restoreBackup(backupFile: string, database: Database, options: RestoreOptions = {}): Promise<string> {
  const refuse = (why: string) => new DeployError(`${why}: nothing was restored`);
  const { path, manifest, problem } = await locateBackup(backupFile);
  if (problem) throw refuse(problem);
  if (!manifest && !options.noManifest) {
    throw new DeployError(`${backupFile} has no manifest (${basename(backupFile)}.json) to check it against: nothing was restored (--no-manifest restores it anyway)`);
  }

  await sweepLeftoverFiles(tmpdir(), workspaceOfGoneRun);
  const workspace = await mkdtemp(join(tmpdir(), `${workspacePrefix}${process.pid}-`));
  const removeWorkspace = () => rm(workspace, { recursive: true, force: true });
  return cleanedUpOnSignal(removeWorkspace, async () => {
    try {
      const copy = join(workspace, 'backup.dump');
      const sha256 = await copyHashed(path, copy).catch((error: NodeJS.ErrnoException) => {
        throw refuse(`could not copy ${backupFile} into a private folder of ${tmpdir()} (${error.code ?? error.message})`);
      });
      if (manifest && sha256 !== manifest.sha256) throw refuse(`${backupFile} does not match its manifest's checksum (damaged or truncated)`);
      const listing = await runTool(toolPath('pg_restore'), ['--list', copy], database);
      if (listing.code !== 0) throw refuse(`pg_restore cannot read ${backupFile} (${firstError(listing.stderr)})`);
      // The whole script is written before the database is touched: a dump that breaks half-way stops here.
      const script = join(workspace, 'restore.sql');
      const restoreArgs = options.noOwner ? ['--no-owner', '--no-privileges'] : [];
      const written = await runTool(toolPath('pg_restore'), [...restoreArgs, '--file', script, copy], database);
      if (written.code !== 0) throw refuse(`pg_restore cannot read ${backupFile} (${firstError(written.stderr)})`);
      const prelude = join(workspace, 'clear.sql');
      await writeFile(prelude, clearDatabase, { mode: 0o600 });
      // Files, not a pipe: psql sees every statement; one failure rolls all of it back, the prelude included.
      const run = await runTool(toolPath('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-o', '/dev/null', '-f', prelude, '-f', script], database);
      if (run.code !== 0) {
        throw new DeployError(connectionProblem(database, run.stderr) ?? `restore failed, the database was left as it was: ${firstError(run.stderr)}`);
      }
      return path;
    } finally {
      await removeWorkspace();
    }
  });
}
