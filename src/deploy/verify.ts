// Is a backup good? Its checksum, and a real restore into a scratch database compared with the manifest.
import { dropOrphans, throwawayDatabaseName } from '../engines/throwaway.js';
import { locateBackup, sha256File } from './backup.js';
import { cleanedUpOnSignal } from './interrupt.js';
import { restoreBackup } from './restore.js';
import { compareStates, readState } from './state.js';
import { execSql, firstError, otherDatabase, queryRows, quoteIdent, runTool, toolPath, type Database } from './server.js';

export type VerifyMode = 'restore' | 'checksum';

export interface VerifyResult {
  backup: string;
  ok: boolean;
  /** What was checked, in order: `checksum`, `readable`, `restore`. */
  checked: string[];
  problems: string[];
  /** Why the restore test did not run, when it did not. */
  skipped?: string;
}

/**
 * Verifies `backupFile`; `server` is any database on the server to restore on (a scratch database is
 * created beside it and dropped). `restore` falls back to reading the file when databases cannot be created.
 */
export async function verifyBackup(backupFile: string, server: Database, mode: VerifyMode = 'restore'): Promise<VerifyResult> {
  const { path, manifest, problem } = await locateBackup(backupFile);
  const result: VerifyResult = { backup: backupFile, ok: true, checked: [], problems: [] };
  const fail = (problem: string) => {
    result.ok = false;
    result.problems.push(problem);
    return result;
  };
  if (problem) return fail(problem);
  if (manifest) {
    result.checked.push('checksum');
    if ((await sha256File(path)) !== manifest.sha256) return fail('the file does not match its manifest checksum (damaged or truncated)');
  }
  result.checked.push('readable');
  const listing = await runTool(toolPath('pg_restore'), ['--list', path], server);
  if (listing.code !== 0) return fail(`pg_restore cannot read it: ${firstError(listing.stderr)}`);
  if (mode === 'checksum') return result;

  // Scratch databases of killed runs go first; this one is named the same way, so the next run sweeps it if need be.
  await dropOrphans({ rows: (sql) => queryRows(server, sql), exec: (sql) => execSql(server, sql) }).catch(() => undefined);
  const scratch = otherDatabase(server, throwawayDatabaseName());
  const dropScratch = () => execSql(server, `drop database if exists ${quoteIdent(scratch.name)} with (force)`).catch(() => undefined);
  return cleanedUpOnSignal(dropScratch, async () => {
    try {
      await execSql(server, `create database ${quoteIdent(scratch.name)}`);
    } catch (error) {
      result.skipped = `the server refused a scratch database (${(error as Error).message}); only the checksum and readability were checked`;
      return result;
    }
    result.checked.push('restore');
    try {
      try {
        await restoreBackup(path, scratch, { noOwner: true, noManifest: true });
      } catch (error) {
        return fail(`it does not restore: ${(error as Error).message.replace(/^restore failed, the database was left as it was: |: nothing was restored$/g, '')}`);
      }
      if (manifest) {
        const problems = compareStates({ fingerprint: manifest.schemaFingerprint, rowCounts: manifest.rowCounts }, await readState(scratch));
        for (const problem of problems) fail(problem);
      }
      return result;
    } finally {
      await dropScratch();
    }
  });
}
