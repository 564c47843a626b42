// A full backup with the server's own pg_dump (custom format), and the manifest that says what it holds.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
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

/** The backup folder exists and is writable, or one clear line says why not. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch {
    throw new DeployError(`the backup folder ${dir} is not writable`);
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

/** pg_dump -Fc into `<dir>/<database>-<UTC time>.dump`, then its manifest; a failed dump leaves nothing behind. */
export async function takeBackup(database: Database, options: BackupOptions): Promise<{ path: string; manifest: BackupManifest }> {
  await ensureWritableDir(options.dir);
  const now = options.now ?? new Date();
  const safeName = database.name.replace(/[^\w.-]+/g, '_');
  const path = join(options.dir, `${safeName}-${timestamp(now)}.dump`);
  // State first, then the dump: a deploy guard holds the only writer, so both see the same database.
  const state = await readState(database);
  const run = await runTool(toolPath('pg_dump'), ['--format=custom', '--no-password', '--file', path], database);
  if (run.code !== 0) {
    await rm(path, { force: true });
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
    size: (await stat(path)).size,
    sha256: await sha256File(path),
    schemaFingerprint: state.fingerprint,
    rowCounts: state.rowCounts,
  };
  try {
    await writeFile(manifestPath(path), `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (error) {
    await rm(path, { force: true });
    await rm(manifestPath(path), { force: true });
    throw new DeployError(`could not write the backup manifest in ${options.dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return { path, manifest };
}

export async function readManifest(backupFile: string): Promise<BackupManifest | undefined> {
  try {
    return JSON.parse(await readFile(manifestPath(backupFile), 'utf8')) as BackupManifest;
  } catch {
    return undefined;
  }
}
