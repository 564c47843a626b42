// A full backup with the server's own pg_dump (custom format), and the manifest that says what it holds.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, chmod, constants, mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { cleanedUpOnSignal, sweepLeftoverFiles } from './interrupt.js';
import { readState } from './state.js';
import { DeployError, firstError, runTool, toolPath, type Database } from './server.js';

export interface BackupManifest {
  /** The backup file's name, beside this manifest. */
  file: string;
  database: string;
  /** `host:port` (never credentials). */
  server: string;
  serverVersion: string;
  createdAt: string;
  /** Migrations pending when the backup was taken: the ones the deploy is about to run. */
  pending: { framework: string; id: string }[];
  /** Rules allowed for this deploy, each with its reason. */
  overrides?: { rule: string; reason: string }[];
  size: number;
  sha256: string;
  schemaFingerprint: string;
  rowCounts: Record<string, number>;
}

export const manifestPath = (backupFile: string) => `${backupFile}.json`;

/**
 * The backup folder exists and is writable, or one clear line says why not. A folder rollsafe creates,
 * and its own `.rollsafe/backups`, are private (0700: a dump holds every row); a folder of the user's
 * keeps its mode (the files in it are 0600 regardless).
 */
export async function ensureWritableDir(dir: string): Promise<void> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
  } catch {
    throw new DeployError(`the backup folder ${dir} is not writable`);
  }
  if ((created || /(^|[/\\])\.rollsafe[/\\]backups$/.test(dir)) && ((await stat(dir)).mode & 0o077) !== 0) {
    await chmod(dir, 0o700).catch(() => {
      throw new DeployError(`the backup folder ${dir} is readable by other users and rollsafe cannot make it private (chmod 700 it)`);
    });
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export interface BackupOptions {
  dir: string;
  serverVersion: string;
  pending?: BackupManifest['pending'];
  overrides?: BackupManifest['overrides'];
  now?: Date;
}

/** A dump or manifest being written: named for its process, so the next run removes a killed run's. */
const partialOf = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
const partialOfGoneRun = /^\..+\.(\d+)\.partial$/;

/**
 * pg_dump -Fc into `<dir>/<database>-<UTC time>.dump` (0600), then its manifest (0600). Both are written
 * under a partial name and renamed when whole: a failed or interrupted dump leaves nothing behind.
 */
export async function takeBackup(database: Database, options: BackupOptions): Promise<{ path: string; manifest: BackupManifest }> {
  await ensureWritableDir(options.dir);
  await sweepLeftoverFiles(options.dir, partialOfGoneRun);
  const now = options.now ?? new Date();
  const safeName = database.name.replace(/[^\w.-]+/g, '_');
  const path = join(options.dir, `${safeName}-${timestamp(now)}.dump`);
  const partial = partialOf(path);
  const partialManifest = partialOf(manifestPath(path));
  let complete = false;
  const removeAll = async () => {
    for (const file of [partial, partialManifest, ...(complete ? [] : [path, manifestPath(path)])]) await rm(file, { force: true });
  };
  return cleanedUpOnSignal(removeAll, async () => {
    // State first, then the dump: a deploy guard holds the only writer, so both see the same database.
    const state = await readState(database);
    // Created 0600 before pg_dump opens it, so the rows are never readable by others, even for a moment.
    await writeFile(partial, '', { flag: 'wx', mode: 0o600 });
    const run = await runTool(toolPath('pg_dump'), ['--format=custom', '--no-password', '--file', partial], database);
    if (run.code !== 0) {
      await removeAll();
      const full = /No space left on device/i.test(run.stderr);
      throw new DeployError(full ? `the disk holding ${options.dir} is full: the backup was not taken` : `pg_dump failed: ${firstError(run.stderr)}`);
    }
    const manifest: BackupManifest = {
      file: basename(path),
      database: database.name,
      server: database.server,
      serverVersion: options.serverVersion,
      createdAt: now.toISOString(),
      pending: options.pending ?? [],
      ...(options.overrides?.length ? { overrides: options.overrides } : {}),
      size: (await stat(partial)).size,
      sha256: await sha256File(partial),
      schemaFingerprint: state.fingerprint,
      rowCounts: state.rowCounts,
    };
    try {
      await writeFile(partialManifest, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      await rename(partial, path);
      await rename(partialManifest, manifestPath(path));
      complete = true;
    } catch (error) {
      await removeAll();
      throw new DeployError(`could not write the backup manifest in ${options.dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return { path, manifest };
  });
}

export async function readManifest(backupFile: string): Promise<BackupManifest | undefined> {
  try {
    return JSON.parse(await readFile(manifestPath(backupFile), 'utf8')) as BackupManifest;
  } catch {
    return undefined;
  }
}

function isManifest(value: unknown): value is BackupManifest {
  const manifest = value as Partial<BackupManifest> | null;
  return typeof manifest === 'object' && manifest !== null && typeof manifest.file === 'string' && typeof manifest.sha256 === 'string' && /^[0-9a-f]{64}$/.test(manifest.sha256);
}

export interface LocatedBackup {
  /** The file itself, symlinks resolved: its manifest is the one beside it. */
  path: string;
  manifest?: BackupManifest;
  /** Why the manifest cannot vouch for the file, when it cannot. */
  problem?: string;
}

/**
 * The backup a path names and the manifest beside it. Throws when there is no such regular file; a
 * manifest that is unreadable, describes another file, or is the path itself, is a `problem`.
 */
export async function locateBackup(backupFile: string): Promise<LocatedBackup> {
  let path: string;
  try {
    path = await realpath(backupFile);
  } catch {
    throw new DeployError(`no such backup: ${backupFile}`);
  }
  // A FIFO or a device would hang pg_restore or feed it anything.
  if (!(await stat(path)).isFile()) throw new DeployError(`${backupFile} is not a regular file: nothing was read from it`);
  if ((await stat(path)).size <= 64 * 1024) {
    const itself = await readFile(path, 'utf8').then((text) => JSON.parse(text) as unknown).catch(() => undefined);
    if (isManifest(itself)) return { path, problem: `${backupFile} is a backup manifest, not a backup: the backup it describes is ${join(dirname(backupFile), basename(itself.file))}` };
  }
  let text: string;
  try {
    text = await readFile(manifestPath(path), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path };
    return { path, problem: `its manifest ${manifestPath(path)} cannot be read (${(error as NodeJS.ErrnoException).code})` };
  }
  const manifest = (() => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  })();
  if (!isManifest(manifest)) return { path, problem: `its manifest ${manifestPath(path)} is not a rollsafe backup manifest` };
  if (manifest.file !== basename(path)) return { path, manifest, problem: `its manifest ${manifestPath(path)} describes ${manifest.file}, not ${basename(path)}` };
  return { path, manifest };
}
