// Is a backup good? Its checksum, and a real restore into a scratch database compared with the manifest.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readManifest, sha256File } from './backup.js';
import { restoreBackup } from './restore.js';
import { compareStates, readState } from './state.js';
import { DeployError, execSql, firstError, otherDatabase, quoteIdent, runTool, toolPath, type Database } from './server.js';

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
  if (!existsSync(backupFile)) throw new DeployError(`no such backup: ${backupFile}`);
  const result: VerifyResult = { backup: backupFile, ok: true, checked: [], problems: [] };
  const fail = (problem: string) => {
    result.ok = false;
    result.problems.push(problem);
    return result;
  };
  const manifest = await readManifest(backupFile);
  if (manifest) {
    result.checked.push('checksum');
    if ((await sha256File(backupFile)) !== manifest.sha256) return fail('the file does not match its manifest checksum (damaged or truncated)');
  }
  result.checked.push('readable');
  const listing = await runTool(toolPath('pg_restore'), ['--list', backupFile], server);
  if (listing.code !== 0) return fail(`pg_restore cannot read it: ${firstError(listing.stderr)}`);
  if (mode === 'checksum') return result;

  const scratch = otherDatabase(server, `rollsafe_verify_${process.pid}_${randomBytes(4).toString('hex')}`);
  try {
    await execSql(server, `create database ${quoteIdent(scratch.name)}`);
  } catch (error) {
    result.skipped = `the server refused a scratch database (${(error as Error).message}); only the checksum and readability were checked`;
    return result;
  }
  result.checked.push('restore');
  try {
    try {
      await restoreBackup(backupFile, scratch, { noOwner: true });
    } catch (error) {
      return fail(`it does not restore: ${(error as Error).message.replace(/^restore failed, the database was left as it was: /, '')}`);
    }
    if (manifest) {
      const problems = compareStates({ fingerprint: manifest.schemaFingerprint, rowCounts: manifest.rowCounts }, await readState(scratch));
      for (const problem of problems) fail(problem);
    }
    return result;
  } finally {
    await execSql(server, `drop database if exists ${quoteIdent(scratch.name)} with (force)`).catch(() => undefined);
  }
}
