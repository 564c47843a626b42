// The deploy guard: pending migrations linted, a verified backup taken, then the user's migrate command run.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { loadConfig } from '../config/index.js';
import { discoverSets } from '../discover/index.js';
import type { FileResult } from '../types.js';
import { ensureWritableDir, takeBackup, type BackupManifest } from './backup.js';
import { pendingMigrations } from './pending.js';
import { applyRetention } from './retention.js';
import { checkClientTools, DeployError, parseDatabaseUrl, serverMajor } from './server.js';
import { verifyBackup, type VerifyMode } from './verify.js';

export { DeployError } from './server.js';

export interface Override {
  rule: string;
  reason: string;
}

export interface DeployOptions {
  cwd: string;
  databaseUrl: string;
  /** Default `.rollsafe/backups` under cwd. */
  backupDir?: string;
  /** The migrate command and its arguments, run without a shell. */
  command: string[];
  verify?: VerifyMode;
  /** Rules whose errors do not refuse this deploy, each with the reason given. */
  allow?: Override[];
  keep?: number;
  keepDays?: number;
  configPath?: string;
  /** The migrate command's environment (default: rollsafe's own). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (never a password). */
  log(line: string): void;
}

export interface DeployOutcome {
  exitCode: number;
  /** Lint results of the pending migrations, when some refused the deploy. */
  refused?: FileResult[];
  backup?: string;
  manifest?: BackupManifest;
  /** The command that puts the database back as the backup holds it. */
  restoreCommand?: string;
}

/** Where a bare command name resolves on PATH, or undefined. */
function findExecutable(command: string, cwd: string): string | undefined {
  const candidates = command.includes('/') || isAbsolute(command) ? [resolve(cwd, command)] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export async function deploy(options: DeployOptions): Promise<DeployOutcome> {
  const { cwd, log } = options;
  if (options.command.length === 0) throw new DeployError('deploy needs the migrate command after --, e.g. rollsafe deploy --database-url URL -- npx knex migrate:latest');
  const database = parseDatabaseUrl(options.databaseUrl);
  const backupDir = resolve(cwd, options.backupDir ?? '.rollsafe/backups');

  // Everything that can be wrong with the input is found before anything is written.
  const { major, version } = await serverMajor(database);
  await checkClientTools(database, major);
  if (!findExecutable(options.command[0], cwd)) throw new DeployError(`the migrate command "${options.command[0]}" was not found`);
  await ensureWritableDir(backupDir);

  const config = await loadConfig(cwd, options.configPath);
  const sets = await discoverSets(cwd, { sets: config.sets?.map((s) => ({ dir: s.dir, framework: s.framework })) });
  const pendingBySet = await pendingMigrations(database, sets);
  const dirty = pendingBySet.find((p) => p.applied.dirty);
  if (dirty) throw new DeployError(`${database.name} is marked dirty by golang-migrate (a previous run stopped half-way): fix it and force the version first`);
  const pending = pendingBySet.flatMap((p) => p.pending.map((migration) => ({ set: p.set, migration })));
  log(pending.length ? `pending on ${database.name}: ${pending.map((p) => p.migration.id).join(', ')}` : `no pending migrations found on ${database.name}`);

  const overrides: Override[] = [];
  if (pending.length) {
    const { lint } = await import('../index.js');
    const { results } = await lint({ cwd, paths: pending.map((p) => p.migration.path), all: false, staged: false, configPath: options.configPath });
    const allowed = new Map((options.allow ?? []).map((o) => [o.rule, o.reason]));
    const refusing = results
      .map((result) => ({ ...result, messages: result.messages.filter((m) => m.severity === 2 && !(m.ruleId && allowed.has(m.ruleId))) }))
      .filter((result) => result.messages.length > 0)
      .map((result) => ({ ...result, errorCount: result.messages.length, warningCount: 0, fatalErrorCount: result.messages.filter((m) => m.fatal).length }));
    if (refusing.length) return { exitCode: 1, refused: refusing };
    for (const result of results) {
      for (const message of result.messages) {
        if (message.severity !== 2 || !message.ruleId || !allowed.has(message.ruleId)) continue;
        overrides.push({ rule: message.ruleId, reason: allowed.get(message.ruleId)! });
        log(`allowed ${message.ruleId} in ${result.filePath}:${message.line}: ${allowed.get(message.ruleId)}`);
      }
    }
  }

  log(`backing up ${database.name} on ${database.server} into ${backupDir}`);
  const { path, manifest } = await takeBackup(database, {
    dir: backupDir,
    serverVersion: version,
    pending: pending.map((p) => ({ framework: p.set.framework, id: p.migration.id })),
    overrides: dedupe(overrides),
  });
  const restoreCommand = `rollsafe restore ${path} --database-url ${database.safeUrl}`;
  const verification = await verifyBackup(path, database, options.verify ?? 'restore');
  if (!verification.ok) throw new DeployError(`the backup ${path} failed verification (${verification.problems.join('; ')}): nothing was migrated`);
  log(`backup ${path} verified (${verification.checked.join(', ')})${verification.skipped ? `; ${verification.skipped}` : ''}`);
  for (const removed of await applyRetention(backupDir, { keep: options.keep, keepDays: options.keepDays }, [path])) log(`removed old backup ${removed}`);

  log(`running ${options.command.join(' ')}`);
  const code = await run(options.command, cwd, options.env ?? process.env);
  if (code !== 0) return { exitCode: code, backup: path, manifest, restoreCommand };
  return { exitCode: 0, backup: path, manifest, restoreCommand };
}

function dedupe(overrides: Override[]): Override[] {
  return overrides.filter((o, i) => overrides.findIndex((x) => x.rule === o.rule) === i);
}

/** The migrate command with its output streamed; its exit code (128+n when killed by signal n). */
function run(command: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, failed) => {
    const child = spawn(command[0], command.slice(1), { cwd, env, stdio: 'inherit' });
    child.on('error', (error) => failed(new DeployError(`the migrate command could not start: ${error.message}`)));
    child.on('close', (code, signal) => done(code ?? (signal ? 128 + (signalNumbers[signal] ?? 1) : 1)));
  });
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
