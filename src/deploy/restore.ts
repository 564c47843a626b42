// Puts a database back exactly as a backup holds it: everything of the user's is dropped first (so what
// was created after the backup goes), then the dump is replayed, all in one transaction.
import { existsSync } from 'node:fs';
import { readManifest, sha256File } from './backup.js';
import { connectionProblem, DeployError, firstError, restoreInOneTransaction, type Database } from './server.js';

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

export interface ChecksumProblem {
  expected: string;
  actual: string;
}

/** The file's sha256 against its manifest's; undefined when they agree or there is no manifest. */
export async function checksumProblem(backupFile: string): Promise<ChecksumProblem | undefined> {
  const manifest = await readManifest(backupFile);
  if (!manifest) return undefined;
  const actual = await sha256File(backupFile);
  return actual === manifest.sha256 ? undefined : { expected: manifest.sha256, actual };
}

/** Restores `backupFile` over `database`: schema and rows exactly as backed up, nothing else left. */
export async function restoreBackup(backupFile: string, database: Database, options: { noOwner?: boolean } = {}): Promise<void> {
  if (!existsSync(backupFile)) throw new DeployError(`no such backup: ${backupFile}`);
  if (await checksumProblem(backupFile)) throw new DeployError(`${backupFile} does not match its manifest's checksum (damaged or truncated): nothing was restored`);
  const args = options.noOwner ? ['--no-owner', '--no-privileges'] : [];
  const run = await restoreInOneTransaction(backupFile, database, clearDatabase, args);
  if (run.code !== 0) {
    throw new DeployError(connectionProblem(database, run.stderr) ?? `restore failed, the database was left as it was: ${firstError(run.stderr)}`);
  }
}
