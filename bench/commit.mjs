// The commit a user feels: the whole `git commit` with each hook `rollsafe init` sets up, against
// `git commit --no-verify` in the same repository. Two commits: one migration over N earlier ones,
// and one that stages no migration (a README edit). Each project is installed the way npm would
// (node_modules/rollsafe and its bin), then `rollsafe init [--hook]`, then the hook manager's own install.
// Run alone with `BENCH_COMMIT_ONLY=1 npm run bench`, or `node bench/commit.mjs` after a build.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKnexHistory } from './corpus.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = join(root, 'dist/src/cli.js');
/** Hook managers that are not rollsafe's dependencies are installed here once (never into the project). */
const toolsDir = join(root, 'bench/corpus/.tools');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What a developer's shell has, minus anything that would skip or reroute the hook. */
function commitEnv(home, extraPath = []) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (['HUSKY', 'CI', 'ROLLSAFE', 'NODE_ENV'].includes(key) || /^(GIT_|LINT_STAGED|LEFTHOOK|PRE_COMMIT|npm_)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    PATH: [...extraPath, env.PATH].join(':'),
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    PRE_COMMIT_HOME: join(toolsDir, 'pre-commit-cache'),
    npm_config_update_notifier: 'false',
  };
}

function run(command, args, cwd, env, allowFailure = false) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (!allowFailure && result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}${result.stderr}${result.error ?? ''}`);
  }
  return result;
}

/** lefthook from npm (its binary package), installed without scripts so its postinstall touches no repository. */
function lefthookBin() {
  const bin = join(toolsDir, 'node_modules/.bin/lefthook');
  if (existsSync(bin)) return bin;
  mkdirSync(toolsDir, { recursive: true });
  const npm = spawnSync('npm', ['install', '--prefix', toolsDir, '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', 'lefthook@2.2.1'], { encoding: 'utf8' });
  return npm.status === 0 && existsSync(bin) ? bin : undefined;
}

/** The pre-commit framework in its own virtualenv, when pip can install it. */
function preCommitBin() {
  const bin = join(toolsDir, 'venv/bin/pre-commit');
  if (existsSync(bin)) return bin;
  mkdirSync(toolsDir, { recursive: true });
  const venv = spawnSync('python3', ['-m', 'venv', join(toolsDir, 'venv')], { encoding: 'utf8' });
  if (venv.status !== 0) return undefined;
  const pip = spawnSync(join(toolsDir, 'venv/bin/pip'), ['install', '-q', 'pre-commit'], { encoding: 'utf8' });
  return pip.status === 0 && existsSync(bin) ? bin : undefined;
}

/** node_modules as `npm install` leaves it in a project that depends on rollsafe, husky and lint-staged. */
function linkNodeModules(dir) {
  const target = join(dir, 'node_modules');
  mkdirSync(join(target, '.bin'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry === '.bin' || entry === '.cache') continue;
    symlinkSync(join(root, 'node_modules', entry), join(target, entry));
  }
  for (const entry of readdirSync(join(root, 'node_modules/.bin'))) {
    symlinkSync(join(root, 'node_modules/.bin', entry), join(target, '.bin', entry));
  }
  symlinkSync(root, join(target, 'rollsafe'));
  symlinkSync('../rollsafe/dist/src/cli.js', join(target, '.bin', 'rollsafe'));
  chmodSync(cli, 0o755); // npm makes a bin executable when it installs it; tsc does not
}

/** A knex project with `earlier` committed migrations and one more written but not staged, its hook set up. */
function commitProject(corpusRoot, hook, earlier, tools) {
  const dir = join(corpusRoot, `commit-${hook}-${earlier}`);
  const home = join(corpusRoot, `commit-${hook}-${earlier}-home`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.gitconfig'), '');
  const env = commitEnv(home, tools.path);
  const files = generateKnexHistory(join(dir, 'migrations'), earlier);
  const pkg = { name: `commit-${hook}`, private: true, dependencies: { knex: '*', pg: '*' }, devDependencies: { husky: '*', 'lint-staged': '*', rollsafe: '*' } };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
  writeFileSync(join(dir, 'README.md'), '# shop\n');
  linkNodeModules(dir);
  const last = relative(dir, files.at(-1));
  run('git', ['init', '-q', '-b', 'main'], dir, env);
  for (const [key, value] of [['user.name', 'Bench'], ['user.email', 'bench@example.com'], ['commit.gpgsign', 'false']]) run('git', ['config', key, value], dir, env);
  run('git', ['add', '-A', '--', '.', `:!${last}`], dir, env);
  run('git', ['commit', '-q', '-m', 'history'], dir, env);

  run(process.execPath, [cli, 'init', ...(hook === 'husky' ? [] : ['--hook', hook])], dir, env);
  if (hook === 'lefthook') run(tools.lefthook, ['install'], dir, env);
  if (hook === 'pre-commit') run(tools.preCommit, ['install'], dir, env);
  run('git', ['add', '-A', '--', '.', `:!${last}`], dir, env);
  run('git', ['commit', '-q', '--no-verify', '-m', 'rollsafe init'], dir, env);
  return { dir, env, last };
}

/** Milliseconds of one `git commit` of what `stage` staged; the commit is undone, the index kept for the next run. */
function timeCommit(project, stage, verify) {
  stage();
  const start = process.hrtime.bigint();
  const result = run('git', ['commit', '-q', ...(verify ? [] : ['--no-verify']), '-m', 'bench'], project.dir, project.env, true);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`the commit was refused:\n${result.stdout}${result.stderr}`);
  run('git', ['reset', '-q', '--soft', 'HEAD~1'], project.dir, project.env);
  run('git', ['reset', '-q'], project.dir, project.env);
  return ms;
}

/** The project's bin as the hook runs it, on what `stage` staged, outside any commit. */
function timeBin(project, stage, runs) {
  stage();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    run(join(project.dir, 'node_modules/.bin/rollsafe'), ['lint', '--staged'], project.dir, project.env);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  run('git', ['reset', '-q'], project.dir, project.env);
  const ms = median(samples);
  return { commit: ms, noVerify: 0, added: ms, min: Math.min(...samples), max: Math.max(...samples), runs };
}

/** Rows of whole-commit timings: the hook's commit, `--no-verify`, and what the hook adds (medians, interleaved runs). */
export function benchCommits({ corpusRoot = join(root, 'bench/corpus'), runs = 5, earlier = 300, hooks = ['husky', 'plain', 'lefthook', 'pre-commit'] } = {}) {
  const tools = { path: [] };
  const rows = [];
  for (const hook of hooks) {
    if (hook === 'lefthook') {
      tools.lefthook = lefthookBin();
      if (!tools.lefthook) {
        console.log('(lefthook could not be installed from npm: left out)');
        continue;
      }
    }
    if (hook === 'pre-commit') {
      tools.preCommit = preCommitBin();
      if (!tools.preCommit) {
        console.log('(the pre-commit framework could not be installed with pip: left out)');
        continue;
      }
      tools.path = [join(toolsDir, 'venv/bin')];
    }
    const project = commitProject(corpusRoot, hook, earlier, tools);
    const scenarios = {
      [`one migration over ${earlier}`]: () => run('git', ['add', project.last], project.dir, project.env),
      'no migration staged': () => {
        appendFileSync(join(project.dir, 'README.md'), 'more\n');
        run('git', ['add', 'README.md'], project.dir, project.env);
      },
    };
    // Warm up as a developer's second commit would find it: replay cache, code caches, pre-commit's env.
    timeCommit(project, scenarios[`one migration over ${earlier}`], true);
    for (const [scenario, stage] of Object.entries(scenarios)) {
      const withHook = [];
      const without = [];
      for (let i = 0; i < runs; i++) {
        without.push(timeCommit(project, stage, false));
        withHook.push(timeCommit(project, stage, true));
      }
      const hookMedian = median(withHook);
      const baseMedian = median(without);
      rows.push({ hook, scenario, commit: hookMedian, noVerify: baseMedian, added: hookMedian - baseMedian, min: Math.min(...withHook), max: Math.max(...withHook), runs });
      // rollsafe's own share: its bin on the same staged files, without git or a hook manager around it.
      if (hook === hooks[0]) rows.push({ hook: 'rollsafe lint --staged alone', scenario, ...timeBin(project, stage, runs) });
    }
  }
  return rows;
}

export function printCommitRows(rows) {
  const width = Math.max(...rows.map((r) => `${r.hook}, ${r.scenario}`.length));
  console.log(`\nwhole git commit (median ms; added = commit - commit --no-verify)\n${'hook, scenario'.padEnd(width)}   commit  --no-verify    added   min    max  runs`);
  for (const r of rows) {
    const cells = [r.commit, r.noVerify, r.added, r.min, r.max].map((v) => v.toFixed(0));
    console.log(`${`${r.hook}, ${r.scenario}`.padEnd(width)}  ${cells[0].padStart(7)}  ${cells[1].padStart(11)}  ${cells[2].padStart(7)}  ${cells[3].padStart(5)}  ${cells[4].padStart(5)}  ${String(r.runs).padStart(4)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const hooks = process.env.BENCH_HOOKS?.split(',');
  printCommitRows(benchCommits({ runs: Number(process.env.BENCH_RUNS ?? 5), earlier: Number(process.env.BENCH_HISTORY ?? 300), hooks }));
}
