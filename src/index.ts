// The programmatic API: the CLI, the git hook and CI all call lint().
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { loadConfig, type RollsafeConfig } from './config/index.js';
import { buildSet, discoverSets, setForLooseFile } from './discover/index.js';
import { isIgnored } from './discover/ignore.js';
import { loadAdapter } from './frameworks/index.js';
import { judge } from './judge.js';
import type { Rule } from './rule.js';
import type { EngineName, FileResult, FrameworkName, MigrationFile, MigrationModel, MigrationSet, ProtocolResult } from './types.js';

/** The checks' JavaScript heap: far above what replaying a long history takes, far below what a runaway migration would grab. */
const defaultMemoryMb = 2048;

export type * from './types.js';
export type { Rule } from './rule.js';

export interface LintOptions {
  cwd: string;
  /** Migrations to report on; the earlier ones of their sets are replayed, never reported. */
  paths: string[];
  /** Report on every migration of every set. */
  all: boolean;
  /** Report on the migrations staged for commit. */
  staged: boolean;
  /** Report on the migrations changed since this git ref (`ref...HEAD` plus uncommitted changes). */
  changedSince?: string;
  engine?: EngineName;
  /** Re-check pg-mem's failures on PGlite (default true). */
  fallback?: boolean;
  databaseUrl?: string;
  framework?: FrameworkName;
  configPath?: string;
  onProgress?(done: number, total: number, current: string): void;
}

export interface LintOutcome {
  results: FileResult[];
  /** Every known rule, for formatters that describe them (SARIF). */
  rules: Rule[];
}

/** A usage problem the CLI reports in one line with exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

interface Target {
  set: MigrationSet;
  migration: MigrationFile;
}

function findInSets(path: string, sets: MigrationSet[]): Target | undefined {
  for (const set of sets) {
    const migration = set.migrations.find((m) => m.path === path || m.downPath === path);
    if (migration) return { set, migration };
  }
  return undefined;
}

/** The migrations to report on, each with the set it belongs to. */
async function selectTargets(options: LintOptions, sets: MigrationSet[]): Promise<{ targets: Target[]; unknown: string[] }> {
  if (options.all) return { targets: sets.flatMap((set) => set.migrations.map((migration) => ({ set, migration }))), unknown: [] };

  const paths = options.paths.map((path) => resolve(options.cwd, path));
  const targets: Target[] = [];
  const unknown: string[] = [];
  for (const path of new Set(paths)) {
    if (!existsSync(path)) throw new UsageError(`no such file: ${path}`);
    let target = findInSets(path, sets);
    if (!target) {
      const looseSet = await setForLooseFile(path, options.framework);
      if (looseSet) {
        sets.push(looseSet);
        target = findInSets(path, [looseSet]);
      }
    }
    if (!target) unknown.push(path);
    else if (!targets.some((t) => t.migration === target!.migration)) targets.push(target);
  }
  return { targets, unknown };
}

function hasRunnableDown(model: MigrationModel): boolean {
  return (model.down.status === 'present' && !model.down.empty) || model.down.status === 'automatic';
}

function notAMigration(path: string): FileResult {
  return {
    filePath: path,
    messages: [
      {
        ruleId: null,
        severity: 1,
        message: 'Not a migration rollsafe recognises: it is in no migration set and no framework claims it.',
        help: 'List its folder under "sets" in rollsafe.config.json, or pass --framework.',
        line: 1,
        column: 1,
      },
    ],
    errorCount: 0,
    warningCount: 1,
    fatalErrorCount: 0,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
    suppressedMessages: [],
    usedDeprecatedRules: [],
  };
}

/** The staged version of a migration set, when its working copy differs from what will be committed. */
interface StagedSet {
  original: MigrationSet;
  copy: MigrationSet;
}

/**
 * The staged migrations, read as they will be committed: a set whose folder has unstaged or untracked
 * changes is linted from a copy of its staged version (and replayed from it too).
 */
async function selectStaged(options: LintOptions, sets: MigrationSet[]): Promise<{ targets: Target[]; copies: StagedSet[]; cleanup(): Promise<void> }> {
  const { stagedFiles, materialiseStaged } = await import('./discover/staged.js');
  // Only staged migrations are reported on; other staged files are not rollsafe's business.
  const staged = (await stagedFiles(options.cwd)).filter((path) => findInSets(path, sets));
  const staging = await materialiseStaged(options.cwd, staged, (file) => findInSets(file, sets)!.set.dir);
  const targets: Target[] = [];
  const copies: StagedSet[] = [];
  for (const path of staged) {
    const original = findInSets(path, sets)!.set;
    const copyPath = staging.paths.get(path)!;
    if (copyPath === path) {
      targets.push(findInSets(path, sets)!);
      continue;
    }
    let copied = copies.find((c) => c.original === original);
    if (!copied) {
      const copyDir = resolve(dirname(copyPath), relative(dirname(path), original.dir));
      copied = { original, copy: await buildSet(copyDir, original.framework) };
      copies.push(copied);
    }
    const target = findInSets(copyPath, [copied.copy]);
    if (target) targets.push(target);
  }
  return { targets, copies, cleanup: staging.cleanup };
}

/** The migrations changed since `ref`; other changed files are not rollsafe's business. */
async function selectChanged(options: LintOptions & { changedSince: string }, sets: MigrationSet[]): Promise<Target[]> {
  const { changedSince } = await import('./discover/staged.js');
  let changed: string[];
  try {
    changed = await changedSince(options.cwd, options.changedSince);
  } catch (error) {
    throw new UsageError(changedSinceProblem(options.changedSince, error));
  }
  return changed.map((path) => findInSets(path, sets)).filter((target): target is Target => target !== undefined);
}

/** git's complaint about a --changed-since ref, said as what the user should fix. */
function changedSinceProblem(ref: string, error: unknown): string {
  const stderr = String((error as { stderr?: unknown }).stderr ?? (error as Error).message ?? error);
  const fatal = /fatal: (.*)/.exec(stderr)?.[1]?.trim();
  if (/not a git repository/.test(stderr)) return '--changed-since needs a git repository';
  if (/no merge base/.test(stderr)) return `--changed-since ${ref}: no common history with HEAD (a shallow clone? check out with fetch-depth: 0)`;
  if (/unknown revision|bad revision|ambiguous argument/.test(stderr)) return `--changed-since: git does not know "${ref}"`;
  return `--changed-since ${ref}: ${fatal ?? 'git failed'}`;
}

/** Findings on a staged copy are reported on the file the user knows. */
function mapBackToOriginals(results: FileResult[], copies: StagedSet[]): void {
  for (const { original, copy } of copies) {
    for (const result of results) {
      if (!result.filePath.startsWith(copy.dir)) continue;
      result.filePath = original.dir + result.filePath.slice(copy.dir.length);
      for (const message of result.messages) message.message = message.message.split(copy.dir).join(original.dir);
    }
  }
}

/** discover -> analyse -> run -> judge; the formatting is the caller's. */
export async function lint(options: LintOptions): Promise<LintOutcome> {
  const config = await loadConfig(options.cwd, options.configPath);
  // A server that cannot be reached, or refuses the credentials, is said once and plainly, before any work.
  if ((options.engine ?? config.engine) === 'postgres') await (await import('./engines/postgres-connect.js')).checkServer(options.databaseUrl);
  const { allRules } = await import('../rules/index.js');
  const sets = await discoverSets(options.cwd, { sets: config.sets?.map((s) => ({ dir: s.dir, framework: s.framework, setupScripts: s.setupScripts })) });
  const { targets, unknown } = await selectTargets(options, sets);
  if (options.changedSince !== undefined && !options.all) {
    for (const target of await selectChanged({ ...options, changedSince: options.changedSince }, sets)) {
      if (!targets.some((t) => t.migration === target.migration)) targets.push(target);
    }
  }
  const staged = options.staged ? await selectStaged(options, sets) : undefined;
  try {
    for (const target of staged?.targets ?? []) {
      if (!targets.some((t) => t.migration.path === target.migration.path)) targets.push(target);
    }
    // Ignored migrations are still replayed as history; they are only never reported on.
    const reported = targets.filter((t) => !isIgnored(t.migration.path, options.cwd, config.ignore));
    const results = await analyseRunJudge(reported, options, config, allRules);
    for (const path of unknown) results.push(notAMigration(path));
    if (staged) mapBackToOriginals(results, staged.copies);
    return { results: results.sort((a, b) => a.filePath.localeCompare(b.filePath)), rules: allRules };
  } finally {
    await staged?.cleanup();
  }
}

async function analyseRunJudge(targets: Target[], options: LintOptions, config: RollsafeConfig, allRules: Rule[]): Promise<FileResult[]> {

  // analyse and run overlap: the worker boots its engine while ts-morph reads the files.
  const modelOf = new Map<string, Promise<MigrationModel>>();
  let previous: Promise<unknown> = Promise.resolve();
  for (const { set, migration } of targets) {
    const model = previous.then(async () => (await loadAdapter(set.framework)).analyse(migration));
    modelOf.set(migration.path, model);
    previous = model.catch(() => undefined);
  }

  // run: the dynamic protocol, set by set (a file that does not parse fails to load and is judged by its parse error)
  const results = new Map<string, ProtocolResult>();
  const total = targets.length;
  let done = 0;
  if (total > 0) {
    const { checkMigrations } = await import('./checks/index.js');
    for (const set of new Set(targets.map((t) => t.set))) {
      const ofSet = targets.filter((t) => t.set === set);
      const verdicts = await checkMigrations(
        set,
        ofSet.map((t) => ({
          migration: t.migration,
          hasDown: modelOf.get(t.migration.path)!.then(hasRunnableDown),
          transactional: modelOf.get(t.migration.path)!.then((model) => model.transactional),
        })),
        {
          engine: options.engine ?? config.engine ?? 'pg-mem',
          fallback: options.fallback ?? config.fallback ?? true,
          timeoutMs: config.timeouts?.migrationMs ?? 10_000,
          memoryMb: config.limits?.memoryMb ?? defaultMemoryMb,
          databaseUrl: options.databaseUrl,
          // Only a whole run rolls the history back to the base: the hook path stays as fast as it is.
          history: options.all,
          onProgress: options.onProgress && ((_, __, current) => options.onProgress!(++done, total, current)),
        },
      );
      for (const [path, verdict] of verdicts) results.set(path, verdict);
    }
  }
  const models = new Map<string, MigrationModel>();
  for (const [path, model] of modelOf) models.set(path, await model);

  // judge
  const fileResults = new Map<string, FileResult>();
  for (const { migration } of targets) {
    const judged = judge({ model: models.get(migration.path)!, result: results.get(migration.path), rules: allRules, severities: config.rules });
    for (const fileResult of judged) {
      const existing = fileResults.get(fileResult.filePath);
      if (!existing) fileResults.set(fileResult.filePath, fileResult);
      else {
        existing.messages.push(...fileResult.messages);
        existing.suppressedMessages.push(...fileResult.suppressedMessages);
        existing.errorCount += fileResult.errorCount;
        existing.warningCount += fileResult.warningCount;
        existing.fatalErrorCount += fileResult.fatalErrorCount;
      }
    }
  }
  return [...fileResults.values()];
}
