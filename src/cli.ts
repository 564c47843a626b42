#!/usr/bin/env node
// argv -> options -> API -> exit code; nothing else. Heavy modules load only in the command that needs them.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from './config/closest-name.js';
import { rollsafePackage } from './config/rollsafe-package.js';
import type { FormatName } from './report/index.js';
import type { EngineName, FileResult, FrameworkName } from './types.js';

const help = `Usage: rollsafe <command> [options]

Stops unsafe database migrations: each must re-run, roll back and re-apply cleanly.

Commands:
  lint [paths...]        Check migrations (files or folders, --all, --staged or --changed-since)
  sets                   List the migration sets found: folder, framework and version, migrations, and why
  init                   Install the git commit hook (or, with --ci github, a CI workflow)
  explain <rule>         Show a rule's documentation
  deploy -- <command>    Lint pending migrations, take and verify a backup, then run the migrate command
  restore <backup>       Put a database back exactly as a backup holds it
  verify-backup <backup> Restore a backup into a scratch database and check it
  drift                  Compare two live schemas (--from, --to), or one with its migrations (--database-url)

Options for lint:
  --all                  Check every migration of every set
  --staged               Check the migrations staged for commit
  --changed-since <ref>  Check the migrations changed since a git ref (e.g. origin/main)
  --format <name>        stylish (default), json, sarif, github, junit
  --engine <name>        pg-mem (default), pglite, postgres
  --no-fallback          Do not re-check pg-mem failures on PGlite
  --database-url <url>   Postgres to run in (with --engine postgres)
  --framework <name>     Framework of files outside known migration sets
  --config <path>        Config file (default rollsafe.config.{json,ts,mjs,js,cjs}, else package.json "rollsafe")
  --quiet                Report errors only
  --max-warnings <n>     Fail when there are more than n warnings
  --output-file <path>   Write the report to a file instead of stdout
  --debug                Print stack traces of internal errors

Options for sets:
  --format <name>        text (default) or json
  --config <path>        Config file, as for lint

Options for init:
  --hook <kind>          husky, plain, lefthook, pre-commit
  --ci github            Write .github/workflows/rollsafe.yml instead of a hook

Options for deploy, restore, verify-backup, drift:
  --database-url <url>   The database (deploy, restore, drift) or any database on the server (verify-backup)
  --backup-dir <dir>     deploy: where backups go (default .rollsafe/backups)
  --verify <mode>        deploy: restore (default: a real restore into a scratch database) or checksum
  --allow "<rule> -- <reason>"  deploy: let this rule's errors through, with the reason logged
  --keep <n>, --keep-days <d>   deploy: retention of older backups
  --yes                  restore: overwrite without asking
  --no-manifest          restore: accept a backup without its manifest (its checksum cannot be checked)
  --from <url>, --to <url>      drift: the two databases to compare
  --format <name>        verify-backup, drift: text (default) or json

  -h, --help             Show this help
  -v, --version          Show the version

Environment: ROLLSAFE=0 makes lint skip (one line, exit 0), to let one commit through any hook manager.

Exit codes: 0 no errors, 1 errors found (or too many warnings), 2 usage, config or internal error.`;

/** Wrong use of the command line: reported in one line, exit code 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

const engines: EngineName[] = ['pg-mem', 'pglite', 'postgres'];
const hooks = ['husky', 'plain', 'lefthook', 'pre-commit'] as const;
const ciProviders = ['github'] as const;
const commands = ['lint', 'sets', 'init', 'explain', 'deploy', 'restore', 'verify-backup', 'drift', 'help'];

const lintOptions = {
  all: { type: 'boolean' },
  staged: { type: 'boolean' },
  'changed-since': { type: 'string' },
  format: { type: 'string' },
  engine: { type: 'string' },
  'no-fallback': { type: 'boolean' },
  'database-url': { type: 'string' },
  framework: { type: 'string' },
  config: { type: 'string' },
  quiet: { type: 'boolean' },
  'max-warnings': { type: 'string' },
  'output-file': { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** node:util parseArgs, with its errors said in one line and typos answered. */
function parse<Options extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: Options, positionals: boolean) {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const known = Object.keys(options).map((name) => `--${name}`);
      throw new UsageError(`unknown option ${quoted}${didYouMean(quoted, known)}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument ${quoted}`);
    const option = quoted.split(' ')[0];
    if (/argument missing/.test(message)) throw new UsageError(`${option} needs a value`);
    // `--max-warnings -1`: parseArgs will not take a dash-led value after a space
    if (/argument is ambiguous/.test(message)) throw new UsageError(`${option} needs a value; write ${option}=<value> for one starting with a dash`);
    throw new UsageError(message.split('\n')[0]);
  }
}

function oneOf<T extends string>(value: string | undefined, names: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  if (!names.includes(value as T)) {
    throw new UsageError(`${option} must be one of ${names.join(', ')}, not "${value}"${didYouMean(value, names)}`);
  }
  return value as T;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((done) => (text ? stream.write(text, () => done()) : done()));
}

function withoutWarnings(results: FileResult[]): FileResult[] {
  return results.map((result) => ({
    ...result,
    messages: result.messages.filter((finding) => finding.severity === 2),
    warningCount: 0,
    fixableWarningCount: 0,
  }));
}

/** `--output-file` can be written: its folder exists and takes files, and it is not itself a folder. */
async function checkWritable(path: string, given: string): Promise<void> {
  const { access, constants, stat } = await import('node:fs/promises');
  const folder = dirname(path);
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat?.isDirectory()) throw new UsageError(`cannot write the report to ${given}: ${folder} ${folderStat ? 'is not a folder' : 'does not exist'}`);
  const fileStat = await stat(path).catch(() => undefined);
  if (fileStat?.isDirectory()) throw new UsageError(`cannot write the report to ${given}: it is a folder`);
  const writable = await access(fileStat ? path : folder, constants.W_OK).then(() => true, () => false);
  if (!writable) throw new UsageError(`cannot write the report to ${given}: ${fileStat ? 'the file' : `the folder ${folder}`} is not writable`);
}

async function runLint(args: string[], cwd: string): Promise<number> {
  const { values, positionals } = parse(args, lintOptions, true);
  if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);

  const format = (values.format ?? 'stylish') as FormatName;
  if (values.format !== undefined) {
    const { formatNames, isFormatName } = await import('./report/index.js');
    if (!isFormatName(format)) throw new UsageError(`--format must be one of ${formatNames.join(', ')}, not "${format}"${didYouMean(format, formatNames)}`);
  }
  const engine = oneOf(values.engine, engines, '--engine');
  let framework: FrameworkName | undefined;
  if (values.framework !== undefined) {
    const { supportedFrameworks } = await import('./frameworks/index.js');
    framework = oneOf(values.framework, supportedFrameworks, '--framework') as FrameworkName;
  }
  if (engine === 'postgres' && !values['database-url']) throw new UsageError('--engine postgres needs --database-url');
  let maxWarnings: number | undefined;
  if (values['max-warnings'] !== undefined) {
    if (!/^\d+$/.test(values['max-warnings'])) throw new UsageError(`--max-warnings must be a whole number, not "${values['max-warnings']}"`);
    maxWarnings = Number(values['max-warnings']);
  }
  if (positionals.length === 0 && !values.all && !values.staged && values['changed-since'] === undefined) {
    throw new UsageError('lint needs migration paths, --all, --staged or --changed-since (see rollsafe --help)');
  }
  if (values['changed-since'] === '') throw new UsageError('--changed-since needs a git ref, e.g. --changed-since origin/main');
  for (const path of positionals) {
    if (!existsSync(resolve(cwd, path))) throw new UsageError(`no such file: ${path}`);
  }
  const outputFile = values['output-file'] === undefined ? undefined : resolve(cwd, values['output-file']);
  // Found before the run, not after minutes of checks.
  if (outputFile) await checkWritable(outputFile, values['output-file']!);
  // Only where an empty report is no output at all: a JSON or SARIF reader still gets its empty document.
  const silentWhenClean = format === 'stylish' && outputFile === undefined;
  const stagedOnly = values.staged && !values.all && positionals.length === 0 && values['changed-since'] === undefined;
  if (stagedOnly && silentWhenClean && (await nothingStagedToLint(cwd))) return 0;

  // The checks' worker prints what it caught (stacks included) only when debugging.
  if (values.debug) process.env.ROLLSAFE_DEBUG ??= '1';
  const { lint } = await import('./index.js');
  const { createProgress } = await import('./report/progress.js');
  const progress = createProgress({
    stream: process.stderr,
    cwd,
    interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
    // Undocumented, for tests: how often a non-terminal gets its line, and how long a run stays quiet first.
    everyMs: Number(process.env.ROLLSAFE_PROGRESS_MS) || undefined,
    quietForMs: process.env.ROLLSAFE_PROGRESS_MS ? 0 : undefined,
  });
  const { loadFormatter } = await import('./report/index.js');
  const { onInterrupt, streamReport } = await import('./report/stream.js');
  const { allRules } = await import('../rules/index.js');
  const partial = outputFile ? streamReport(outputFile, await loadFormatter(format), { cwd, rules: allRules }) : undefined;
  const releaseInterrupt = partial ? onInterrupt(() => partial.flush()) : undefined;
  let outcome;
  try {
    outcome = await lint({
      cwd,
      paths: positionals,
      all: values.all ?? false,
      staged: values.staged ?? false,
      changedSince: values['changed-since'],
      engine,
      fallback: values['no-fallback'] ? false : undefined,
      databaseUrl: values['database-url'],
      framework,
      configPath: values.config,
      onProgress: (state) => progress.update(state),
      onResult: partial && ((results) => partial.add(values.quiet ? withoutWarnings(results) : results)),
    });
  } catch (error) {
    // The run died: what it had checked is still worth a report.
    partial?.flush();
    throw error;
  } finally {
    progress.finish();
    releaseInterrupt?.();
    partial?.close();
  }

  const { countProblems } = await import('./report/context.js');
  const { errors, warnings } = countProblems(outcome.results);
  const shown = values.quiet ? withoutWarnings(outcome.results) : outcome.results;
  const { formatResults } = await import('./report/index.js');
  const report = await formatResults(format, shown, { cwd, rules: outcome.rules });
  if (outputFile) {
    await writeFile(outputFile, report).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot write the report to ${values['output-file']}: ${error.code ?? error.message}`);
    });
  } else await write(process.stdout, report);

  if (errors > 0) return 1;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    await write(process.stderr, `rollsafe: too many warnings (${warnings}, --max-warnings ${maxWarnings})\n`);
    return 1;
  }
  return 0;
}

/**
 * The hook runs on every commit; most commits touch no migration. One git call says so before
 * anything heavy loads (config, rules, discovery, frameworks). Outside git, the full path reports why.
 */
async function nothingStagedToLint(cwd: string): Promise<boolean> {
  const { mayBeMigration, stagedChanges } = await import('./discover/staged.js');
  try {
    return !(await stagedChanges(cwd)).some((change) => mayBeMigration(change.path) || (change.from !== undefined && mayBeMigration(change.from)));
  } catch {
    return false;
  }
}

async function runInit(args: string[], cwd: string): Promise<number> {
  const initOptions = { hook: { type: 'string' }, ci: { type: 'string' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
  const { values } = parse(args, initOptions, false);
  if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);
  const hook = oneOf(values.hook, hooks, '--hook');
  const ci = oneOf(values.ci, ciProviders, '--ci');
  if (hook && ci) throw new UsageError('--hook and --ci set up different things: run init once for each');
  const { init } = await import('./init/index.js');
  const { changed, messages } = await init({ cwd, hook, ci });
  const summary = changed.length ? `rollsafe init: changed ${changed.join(', ')}` : 'rollsafe init: nothing to change';
  await write(process.stdout, [summary, ...messages].map((line) => `${line}\n`).join(''));
  return 0;
}

async function runExplain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);
  if (positionals.length !== 1) throw new UsageError('explain needs exactly one rule id, e.g. rollsafe explain require-guard');
  const { explainRule, rulesDocsDir } = await import('./explain.js');
  await write(process.stdout, explainRule(positionals[0], rulesDocsDir()));
  return 0;
}

const deployOptions = {
  'database-url': { type: 'string' },
  'backup-dir': { type: 'string' },
  verify: { type: 'string' },
  allow: { type: 'string', multiple: true },
  keep: { type: 'string' },
  'keep-days': { type: 'string' },
  config: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

function wholeNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${option} must be a whole number, not "${value}"`);
  return Number(value);
}

function needUrl(value: string | undefined, command: string): string {
  if (!value) throw new UsageError(`${command} needs --database-url`);
  return value;
}

async function runDeploy(args: string[], cwd: string): Promise<number> {
  const split = args.indexOf('--');
  const command = split < 0 ? [] : args.slice(split + 1);
  const { values } = parse(split < 0 ? args : args.slice(0, split), deployOptions, false);
  if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);
  const databaseUrl = needUrl(values['database-url'], 'deploy');
  if (command.length === 0) throw new UsageError('deploy needs the migrate command after --, e.g. rollsafe deploy --database-url URL -- npx knex migrate:latest');
  const verify = oneOf(values.verify, ['restore', 'checksum'] as const, '--verify');
  const allow = (values.allow ?? []).map((value) => {
    const match = /^\s*([\w-]+)\s*--\s*(\S.*)$/.exec(value);
    if (!match) throw new UsageError(`--allow needs a rule and a reason: --allow "${value.split(/\s/)[0] || 'rule-id'} -- why it is safe here"`);
    return { rule: match[1], reason: match[2].trim() };
  });
  const { deploy } = await import('./deploy/index.js');
  const log = (line: string) => process.stderr.write(`rollsafe: ${line}\n`);
  const outcome = await deploy({
    cwd,
    databaseUrl,
    backupDir: values['backup-dir'],
    command,
    verify,
    allow,
    keep: wholeNumber(values.keep, '--keep'),
    keepDays: wholeNumber(values['keep-days'], '--keep-days'),
    configPath: values.config,
    log,
  });
  if (outcome.refused) {
    const { formatResults } = await import('./report/index.js');
    const { allRules } = await import('../rules/index.js');
    await write(process.stdout, await formatResults('stylish', outcome.refused, { cwd, rules: allRules }));
    log('deploy refused: the pending migrations above have errors; nothing was backed up or migrated (--allow "<rule> -- <reason>" to override)');
  } else if (outcome.exitCode !== 0) {
    log(`the migrate command failed (exit ${outcome.exitCode}); to put the database back as it was before it ran:`);
    await write(process.stderr, `  ${outcome.restoreCommand}\n`);
  } else log(`deployed; backup kept at ${outcome.backup}`);
  return outcome.exitCode;
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

async function runRestore(args: string[]): Promise<number> {
  const options = {
    'database-url': { type: 'string' },
    yes: { type: 'boolean' },
    'no-manifest': { type: 'boolean' },
    debug: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = parse(args, options, true);
  if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);
  if (positionals.length !== 1) throw new UsageError('restore needs exactly one backup file, e.g. rollsafe restore .rollsafe/backups/app-20260101T000000Z.dump --database-url URL');
  const databaseUrl = needUrl(values['database-url'], 'restore');
  const { parseDatabaseUrl } = await import('./deploy/server.js');
  const database = parseDatabaseUrl(databaseUrl);
  if (!values.yes) {
    if (!process.stdin.isTTY) throw new UsageError(`restore overwrites database ${database.name} on ${database.server}: pass --yes to confirm`);
    if (!(await confirm(`Overwrite database ${database.name} on ${database.server} with ${positionals[0]}?`))) {
      await write(process.stderr, 'rollsafe: restore cancelled; nothing changed\n');
      return 1;
    }
  }
  const { restoreBackup } = await import('./deploy/restore.js');
  const restored = await restoreBackup(resolve(positionals[0]), database, { noManifest: values['no-manifest'] });
  const from = restored === resolve(positionals[0]) ? positionals[0] : `${positionals[0]} (${restored})`;
  await write(process.stderr, `rollsafe: restored ${database.name} on ${database.server} from ${from}\n`);
  return 0;
}

function textOrJson(value: string | undefined): 'text' | 'json' {
  return oneOf(value, ['text', 'json'] as const, '--format') ?? 'text';
}

async function runVerifyBackup(args: string[]): Promise<number> {
  const options = { 'database-url': { type: 'string' }, format: { type: 'string' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
  const { values, positionals } = parse(args, options, true);
  if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);
  if (positionals.length !== 1) throw new UsageError('verify-backup needs exactly one backup file');
  const format = textOrJson(values.format);
  const databaseUrl = needUrl(values['database-url'], 'verify-backup');
  const { parseDatabaseUrl, serverMajor, checkClientTools } = await import('./deploy/server.js');
  const server = parseDatabaseUrl(databaseUrl);
  await checkClientTools(server, (await serverMajor(server)).major);
  const { verifyBackup } = await import('./deploy/verify.js');
  const result = await verifyBackup(resolve(positionals[0]), server);
  if (format === 'json') await write(process.stdout, `${JSON.stringify(result, null, 2)}\n`);
  else {
    const lines = result.ok
      ? [`${positionals[0]}: good (${result.checked.join(', ')} checked)${result.skipped ? `; ${result.skipped}` : ''}`]
      : [`${positionals[0]}: BAD`, ...result.problems.map((problem) => `  ${problem}`)];
    await write(process.stdout, `${lines.join('\n')}\n`);
  }
  return result.ok ? 0 : 1;
}

async function runDrift(args: string[], cwd: string): Promise<number> {
  const options = {
    from: { type: 'string' },
    to: { type: 'string' },
    'database-url': { type: 'string' },
    format: { type: 'string' },
    config: { type: 'string' },
    debug: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values } = parse(args, options, false);
  if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);
  const format = textOrJson(values.format);
  const pair = values.from !== undefined || values.to !== undefined;
  if (pair && values['database-url']) throw new UsageError('drift takes either --from and --to, or --database-url');
  if (pair && (!values.from || !values.to)) throw new UsageError('drift needs both --from and --to');
  if (!pair && !values['database-url']) throw new UsageError('drift needs --from URL --to URL, or --database-url URL');
  const { driftBetween, driftFromMigrations, formatDrift } = await import('./drift/index.js');
  const report = pair
    ? await driftBetween(values.from!, values.to!)
    : await driftFromMigrations(values['database-url']!, { cwd, configPath: values.config });
  await write(process.stdout, format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatDrift(report));
  return report.differences.length ? 1 : 0;
}

async function runSets(args: string[], cwd: string): Promise<number> {
  const { values } = parse(args, { format: { type: 'string' }, config: { type: 'string' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);
  const format = oneOf(values.format, ['text', 'json'] as const, '--format') ?? 'text';
  const { describeSets } = await import('./index.js');
  const sets = await describeSets({ cwd, configPath: values.config });
  if (format === 'json') return write(process.stdout, `${JSON.stringify(sets, null, 2)}\n`).then(() => 0);
  const shown = (path: string) => relative(cwd, path) || '.';
  const blocks = sets.map((set) =>
    [
      shown(set.dir),
      ...(set.dirs.length > 1 ? [`  folders     ${set.dirs.map(shown).join(', ')}`] : []),
      `  framework   ${set.framework} (${set.version})`,
      `  migrations  ${set.migrations}`,
      `  found by    ${set.foundBy}`,
    ].join('\n'),
  );
  const total = sets.reduce((sum, set) => sum + set.migrations, 0);
  const summary = `${sets.length} set${sets.length === 1 ? '' : 's'}, ${total} migration${total === 1 ? '' : 's'}`;
  return write(process.stdout, `${blocks.join('\n\n')}\n\n${summary}\n`).then(() => 0);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const cwd = process.cwd();
  if (command === undefined) throw new UsageError('missing command (see rollsafe --help)');
  if (command.startsWith('-')) {
    const { values } = parse(argv, { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' }, debug: { type: 'boolean' } }, false);
    if (values.version) return write(process.stdout, `${rollsafePackage().version}\n`).then(() => 0);
    if (values.help) return write(process.stdout, `${help}\n`).then(() => 0);
    throw new UsageError('missing command (see rollsafe --help)');
  }
  // The same switch as the hook scripts', here so that husky, lefthook and pre-commit honour it too.
  if (command === 'lint' && process.env.ROLLSAFE === '0') {
    return write(process.stderr, 'rollsafe: skipped (ROLLSAFE=0)\n').then(() => 0);
  }
  switch (command) {
    case 'lint':
      return runLint(rest, cwd);
    case 'sets':
      return runSets(rest, cwd);
    case 'init':
      return runInit(rest, cwd);
    case 'explain':
      return runExplain(rest);
    case 'deploy':
      return runDeploy(rest, cwd);
    case 'restore':
      return runRestore(rest);
    case 'verify-backup':
      return runVerifyBackup(rest);
    case 'drift':
      return runDrift(rest, cwd);
    case 'help':
      return write(process.stdout, `${help}\n`).then(() => 0);
  }
  throw new UsageError(`unknown command "${command}"${didYouMean(command, commands)} (see rollsafe --help)`);
}

// Errors the user can fix are said in one line; anything else is a bug, with its stack under --debug.
const expected = new Set(['UsageError', 'ConfigError', 'UnknownRuleError', 'DeployError', 'FrameworkVersionError', 'SetupError']);
const argv = process.argv.slice(2);
let exitCode: number;
try {
  exitCode = await main(argv);
} catch (error) {
  const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
  const debug = argv.includes('--debug');
  const hint = expected.has(name) || debug ? '' : ' (internal error; rerun with --debug for details)';
  // Some errors (pg-mem's) open with a blank line or a banner: the first line that says something.
  const said = message.split('\n').map((line) => line.trim()).find(Boolean) ?? name;
  await write(process.stderr, `rollsafe: ${said}${hint}\n`);
  if (debug && stack) await write(process.stderr, `${stack}\n`);
  exitCode = 2;
}
// Exit explicitly: an engine or a user's migration may leave handles open, and the hook must not hang.
process.exit(exitCode);
