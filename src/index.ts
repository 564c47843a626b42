// The programmatic API: the CLI, the git hook and CI all call lint().
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { loadConfig, type RollsafeConfig } from './config/index.js';
import { buildSet, detectFramework, discoverRepository, setForLooseFile, type Discovery } from './discover/index.js';
import { isIgnored } from './discover/ignore.js';
import { loadAdapter, supportedFrameworks } from './frameworks/index.js';
import { judge } from './judge.js';
import type { Progress } from './report/progress.js';
import type { Rule } from './rule.js';
import type { CheckOptions } from './checks/index.js';
import type { EngineName, FileResult, FrameworkName, MigrationFile, MigrationModel, MigrationSet, ProtocolResult } from './types.js';

/** The checks' JavaScript heap: far above what replaying a long history takes, far below what a runaway migration would grab. */
const defaultMemoryMb = 2048;

export type * from './types.js';
export type { Rule } from './rule.js';
export type { Progress } from './report/progress.js';

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
  /** Where the run is: told as each migration moves from step to step. */
  onProgress?(progress: Progress): void;
  /** Each migration's judged results as soon as its checks end (the whole-history verdicts of --all come only with the outcome). */
  onResult?(results: FileResult[]): void;
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
    if (statSync(path).isDirectory()) {
      for (const target of await folderTargets(path, sets, options)) {
        if (!targets.some((t) => t.migration === target.migration)) targets.push(target);
      }
      continue;
    }
    let target = findInSets(path, sets);
    // --framework overrides a set rollsafe only guessed from its files' signature.
    if (target && options.framework && target.set.framework !== options.framework && target.set.foundBy?.startsWith('signature')) target = undefined;
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

/** Every migration of the sets at or under `folder`; a folder that is a set nobody found is read as one. */
async function folderTargets(folder: string, sets: MigrationSet[], options: LintOptions): Promise<Target[]> {
  const inside = (dir: string) => dir === folder || dir.startsWith(`${folder}${sep}`);
  let found = sets.filter((set) => inside(set.dir) && set.migrations.length > 0);
  if (found.length === 0) {
    const framework = options.framework ?? detectFramework(folder);
    const set = framework ? await buildSet(folder, framework) : undefined;
    if (set && set.migrations.length > 0) {
      sets.push(set);
      found = [set];
    }
  }
  if (found.length === 0) {
    const shown = relative(options.cwd, folder) || '.';
    throw new UsageError(`${shown} holds no migrations rollsafe recognises: name a migration folder or file, or list the folder under "sets" in rollsafe.config.json`);
  }
  return found.flatMap((set) => set.migrations.map((migration) => ({ set, migration })));
}

function hasRunnableDown(model: MigrationModel): boolean {
  return (model.down.status === 'present' && !model.down.empty) || model.down.status === 'automatic';
}

/** A finding that no rule makes (no such file, a broken history), on line 1 of its file. */
function fileFinding(path: string, severity: 1 | 2, message: string, help: string): FileResult {
  return {
    filePath: path,
    messages: [{ ruleId: null, severity, message, help, line: 1, column: 1 }],
    errorCount: severity === 2 ? 1 : 0,
    warningCount: severity === 1 ? 1 : 0,
    fatalErrorCount: 0,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
    suppressedMessages: [],
    usedDeprecatedRules: [],
  };
}

const supportedFrameworkList = supportedFrameworks.join(', ');
const declareHint = 'declare it in rollsafe.config.json: {"sets": [{"dir": "db/migrations", "framework": "knex"}]} (`rollsafe sets` shows what rollsafe finds)';

/** Never a silent pass: nothing to lint is said, with where rollsafe looked and how to declare a set (as ESLint does for a pattern matching nothing). */
function refuseNothingFound(discovery: Discovery, cwd: string, configured: boolean): void {
  const where = (path: string) => relative(cwd, path) || '.';
  if (configured) {
    const empty = discovery.sets.find((set) => set.migrations.length === 0);
    if (empty) {
      throw new UsageError(
        `${empty.foundBy ?? 'a configured set'} ("${where(empty.dir)}", ${empty.framework}) matches no migration file: check its "dir" and "framework" (\`rollsafe sets\` shows what rollsafe finds there)`,
      );
    }
    return;
  }
  if (discovery.sets.some((set) => set.migrations.length > 0)) return;
  const missed = discovery.missed.map((miss) => `${miss.foundBy} names ${where(miss.path)}, which does not exist`);
  throw new UsageError(
    [
      `no migration set found under ${discovery.root}: rollsafe read knexfiles, TypeORM DataSources/ormconfig, Kysely FileMigrationProvider, MikroORM configs, .sequelizerc, alembic.ini, package.json scripts and .env, and looked for migration files in every folder (node_modules, dist, build, vendor and hidden folders skipped${discovery.truncated ? '; the walk stopped at its size limit' : ''})`,
      ...missed,
      declareHint.replace('declare it', 'declare a set'),
    ].join('; '),
  );
}

/** One set as `rollsafe sets` describes it. */
export interface SetDescription {
  dir: string;
  dirs: string[];
  framework: FrameworkName;
  /** The framework resolved from the set's project: `knex 3.1.0`, `not installed` … */
  version: string;
  migrations: number;
  foundBy: string;
  projectDir: string;
}

/** The sets lint would check, each with its framework's version and what found it; nothing found is a usage error. */
export async function describeSets(options: { cwd: string; configPath?: string }): Promise<SetDescription[]> {
  const config = await loadConfig(options.cwd, options.configPath);
  const configured = config.sets?.map((s) => ({ dir: s.dir, framework: s.framework }));
  const discovery = await discoverRepository(options.cwd, { sets: configured });
  refuseNothingFound(discovery, options.cwd, Boolean(configured?.length));
  const { frameworkVersion } = await import('./discover/versions.js');
  return Promise.all(
    discovery.sets.map(async (set) => ({
      dir: set.dir,
      dirs: set.dirs ?? [set.dir],
      framework: set.framework,
      version: await frameworkVersion(set),
      migrations: set.migrations.length,
      foundBy: set.foundBy ?? 'discovery',
      projectDir: set.projectDir,
    })),
  );
}

/** A file on the command line that no set claims is an error: linting nothing must not look like a pass. */
function refuseUnclaimed(paths: string[], cwd: string): void {
  if (paths.length === 0) return;
  const names = paths.map((path) => relative(cwd, path) || path).join(', ');
  throw new UsageError(
    `${names}: in no migration set, and no framework recognises ${paths.length > 1 ? 'them' : 'it'}: pass --framework <name> (${supportedFrameworkList}), or ${declareHint}`,
  );
}

/** How the dynamic checks run, from the command line first, then the config. */
function checkOptions(options: LintOptions, config: RollsafeConfig): CheckOptions {
  return {
    engine: options.engine ?? config.engine ?? 'pg-mem',
    fallback: options.fallback ?? config.fallback ?? true,
    timeoutMs: config.timeouts?.migrationMs ?? 10_000,
    memoryMb: config.limits?.memoryMb ?? defaultMemoryMb,
    databaseUrl: options.databaseUrl,
    // Only a whole run rolls the history back to the base: the hook path stays as fast as it is.
    history: options.all,
  };
}

/**
 * A staged deletion or rename: the set as it will be committed is replayed to its end (each up once,
 * failures confirmed on PGlite). A migration that no longer runs is an error on the removed or moved file.
 */
async function checkHistory(check: HistoryCheck, options: LintOptions, config: RollsafeConfig): Promise<FileResult[]> {
  const last = check.set.migrations.at(-1);
  if (!last) return [];
  const { checkMigrations } = await import('./checks/index.js');
  const verdicts = await checkMigrations(check.set, [{ migration: last, hasDown: false, replayOnly: true }], { ...checkOptions(options, config), history: false });
  const result = verdicts.get(last.path);
  const upError = result?.steps.find((step) => !step.ok)?.error;
  const failure = result?.replayError
    ? !result.replayError.unsupported && result.replayError
    : result?.loadError
      ? { migration: basename(last.path), message: result.loadError.message }
      : upError && !upError.unsupported && { migration: basename(last.path), message: upError.message };
  if (!failure) return [];
  const on = `${result!.engine === 'pg-mem' ? '' : ` (checked on ${result!.engine})`}`;
  return check.changes.map((change) =>
    change.kind === 'removed'
      ? fileFinding(
          change.from,
          2,
          `Removing ${basename(change.from)} breaks the history: without it, ${failure.migration} fails: ${failure.message}${on}`,
          'Keep it: a migration that has run somewhere is never removed. To undo what it did, add a new migration.',
        )
      : fileFinding(
          change.to!,
          2,
          `Renaming ${basename(change.from)} to ${basename(change.to!)} moves it in the history, and ${failure.migration} now fails: ${failure.message}${on}`,
          'Keep its name (its place in the order), or order it before the migrations that depend on it.',
        ),
  );
}

/** The staged version of a migration set, when its working copy differs from what will be committed. */
interface StagedSet {
  original: MigrationSet;
  copy: MigrationSet;
  /** Each copied folder of the set: original -> copy. */
  dirs: Map<string, string>;
}

/** A staged deletion or rename of a migration, as the user knows its paths. */
interface HistoryChange {
  kind: 'removed' | 'moved';
  from: string;
  /** Where a moved migration now is. */
  to?: string;
}

/** A set whose history the commit changes: as staged, it must still replay to its end. */
interface HistoryCheck {
  set: MigrationSet;
  changes: HistoryChange[];
}

/** The set a removed or moved file belonged to: sets are flat folders, and a down file changes no replay. */
function setOfRemoved(path: string, sets: MigrationSet[]): MigrationSet | undefined {
  if (/\.down\.sql$/.test(path)) return undefined;
  return findInSets(path, sets)?.set ?? sets.find((set) => set.dir === dirname(path));
}

/**
 * The staged migrations, read as they will be committed: a set whose folder has unstaged or untracked
 * changes is linted from a copy of its staged version (and replayed from it too). A staged deletion or
 * rename of a migration makes its set a history check: the staged set must still replay without it.
 */
async function selectStaged(
  options: LintOptions,
  sets: MigrationSet[],
): Promise<{ targets: Target[]; copies: StagedSet[]; history: HistoryCheck[]; cleanup(): Promise<void> }> {
  const { stagedChanges, materialiseStaged, mayBeMigration } = await import('./discover/staged.js');
  const changes = await stagedChanges(options.cwd);
  // Only staged migrations are reported on; other staged files are not rollsafe's business. A pure
  // rename brings no new code: it is judged by the history it leaves, not reported on again.
  const staged = changes
    .filter((change) => 'ACMR'.includes(change.status) && !(change.status === 'R' && change.similarity === 100))
    .map((change) => change.path)
    .filter((path) => findInSets(path, sets));
  const removals = new Map<MigrationSet, HistoryChange[]>();
  for (const change of changes) {
    const from = change.status === 'D' ? change.path : change.status === 'R' ? change.from! : undefined;
    const set = from !== undefined && mayBeMigration(from) ? setOfRemoved(from, sets) : undefined;
    if (!set) continue;
    const removal: HistoryChange = change.status === 'D' ? { kind: 'removed', from: from! } : { kind: 'moved', from: from!, to: change.path };
    removals.set(set, [...(removals.get(set) ?? []), removal]);
  }
  // The folder of its set that holds the file: a TypeORM set may span several.
  const folderIn = (set: MigrationSet, file: string) => (set.dirs ?? [set.dir]).find((dir) => file.startsWith(dir + sep)) ?? set.dir;
  const setDirOf = new Map<string, string>();
  const setOf = new Map<string, MigrationSet>();
  for (const path of staged) setOf.set(path, findInSets(path, sets)!.set);
  for (const [set, removed] of removals) for (const { from } of removed) setOf.set(from, set);
  for (const [path, set] of setOf) setDirOf.set(path, folderIn(set, path));
  const staging = await materialiseStaged(options.cwd, [...setDirOf.keys()], (file) => setDirOf.get(file)!);
  // Each set's folders that have a staged copy, original -> copy.
  const copiedDirs = new Map<MigrationSet, Map<string, string>>();
  for (const [path, set] of setOf) {
    const copyPath = staging.paths.get(path)!;
    if (copyPath === path) continue;
    const folder = setDirOf.get(path)!;
    const dirs = copiedDirs.get(set) ?? new Map<string, string>();
    dirs.set(folder, resolve(dirname(copyPath), relative(dirname(path), folder)));
    copiedDirs.set(set, dirs);
  }

  const copies: StagedSet[] = [];
  /** The set as it will be committed: the discovered one when its folder matches the index, else a copy's. */
  const stagedSetOf = async (original: MigrationSet, path: string): Promise<MigrationSet> => {
    const dirs = copiedDirs.get(original);
    if (!dirs) return original;
    let copied = copies.find((c) => c.original === original);
    if (!copied) {
      const copyDirs = (original.dirs ?? [original.dir]).map((dir) => dirs.get(dir) ?? dir);
      copied = { original, copy: { ...(await buildSet(copyDirs, original.framework, original.foundBy)), origin: original.dir }, dirs };
      copies.push(copied);
    }
    return copied.copy;
  };
  const targets: Target[] = [];
  for (const path of staged) {
    const original = findInSets(path, sets)!.set;
    const set = await stagedSetOf(original, path);
    const target = findInSets(staging.paths.get(path)!, [set]) ?? findInSets(path, [set]);
    if (target) targets.push(target);
  }
  const history: HistoryCheck[] = [];
  for (const [original, removed] of removals) history.push({ set: await stagedSetOf(original, removed[0]!.from), changes: removed });
  return { targets, copies, history, cleanup: staging.cleanup };
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
  for (const { dirs } of copies) {
    for (const [originalDir, copyDir] of dirs) {
      for (const result of results) {
        if (!result.filePath.startsWith(copyDir)) continue;
        result.filePath = originalDir + result.filePath.slice(copyDir.length);
        for (const message of result.messages) message.message = message.message.split(copyDir).join(originalDir);
      }
    }
  }
}

/** discover -> analyse -> run -> judge; the formatting is the caller's. */
export async function lint(options: LintOptions): Promise<LintOutcome> {
  const config = await loadConfig(options.cwd, options.configPath);
  // A server that cannot be reached, or refuses the credentials, is said once and plainly, before any work.
  if ((options.engine ?? config.engine) === 'postgres') await (await import('./engines/postgres-connect.js')).checkServer(options.databaseUrl);
  const { allRules } = await import('../rules/index.js');
  const configured = config.sets?.map((s) => ({ dir: s.dir, framework: s.framework, setupScripts: s.setupScripts }));
  const discovery = await discoverRepository(options.cwd, { sets: configured });
  const sets = discovery.sets;
  if (options.all || configured?.length) refuseNothingFound(discovery, options.cwd, Boolean(configured?.length));
  const { targets, unknown } = await selectTargets(options, sets);
  refuseUnclaimed(unknown, options.cwd);
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
    // Checked alongside the run, not before it (a python start costs the hook time); a missing piece ends the run at once.
    const setup = checkSetup(reported, options.engine ?? config.engine);
    setup.catch(() => undefined);
    const [, results] = await Promise.all([setup, analyseRunJudge(reported, options, config, allRules)]);
    for (const check of staged?.history ?? []) results.push(...(await checkHistory(check, options, config)));
    if (staged) mapBackToOriginals(results, staged.copies);
    return { results: results.sort((a, b) => a.filePath.localeCompare(b.filePath)), rules: allRules };
  } finally {
    await staged?.cleanup();
  }
}

/** What the run needs installed, checked once up front: a missing piece is one line with its fix, not a failure per file. */
async function checkSetup(targets: Target[], engine: EngineName | undefined): Promise<void> {
  for (const set of new Set(targets.map((t) => t.set))) await (await loadAdapter(set.framework)).checkSetup?.(set);
  if (engine === 'postgres' && targets.length > 0) await (await import('./engines/postgres.js')).checkPgInstalled();
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
          ...checkOptions(options, config),
          onProgress: options.onProgress && ((_, __, current) => options.onProgress!({ done: ++done, total, set: set.dir, file: current })),
          onActivity: options.onProgress && ((file, step) => options.onProgress!({ done, total, set: set.dir, file, step })),
          onResult:
            options.onResult &&
            ((path, verdict) => {
              void modelOf.get(path)?.then(
                (model) => options.onResult!(judge({ model, result: verdict, rules: allRules, severities: config.rules })),
                () => undefined,
              );
            }),
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
