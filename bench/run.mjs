// Times what users wait for: the commit hook (one staged migration after N earlier ones) and
// `lint --all`, as the CLI runs them (a fresh node process each time, as the hook does); then the
// three engines on the same 300-migration history, with their ratios to the default; then the whole
// `git commit` with each hook init sets up (bench/commit.mjs). Prints medians; never asserted in tests.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCommits, printCommitRows } from './commit.mjs';
import { generateKnexHistory } from './corpus.mjs';
import { generateRealSqlHistory } from './real-corpus.mjs';
import { writeTypeormHistory } from './typeorm-corpus.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = join(root, 'dist/src/cli.js');
const corpusRoot = join(root, 'bench/corpus');
const runs = Number(process.env.BENCH_RUNS ?? 5);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// GNU time reports the peak resident set of the whole process (its worker threads included).
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function time(label, args, cwd, count = runs, beforeEach = () => undefined) {
  const samples = [];
  const peaks = [];
  let status;
  for (let i = 0; i < count; i++) {
    beforeEach();
    const start = process.hrtime.bigint();
    const command = gnuTime ? [gnuTime, ['-f', 'rollsafe-peak-rss-kb=%M', process.execPath, cli, ...args]] : [process.execPath, [cli, ...args]];
    const run = spawnSync(command[0], command[1], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' }, maxBuffer: 256 * 1024 * 1024 });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    const peak = /rollsafe-peak-rss-kb=(\d+)/.exec(run.stderr ?? '');
    if (peak) peaks.push(Number(peak[1]) / 1024);
    status = run.status;
    if (run.status === 2) {
      console.error(`${label}: rollsafe failed:\n${run.stderr}`);
      process.exit(1);
    }
  }
  return { label, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), runs: count, exit: status, ...(peaks.length ? { peakMb: median(peaks) } : {}) };
}

function project(name, earlier, options = {}, { framework = 'knex', generate = generateKnexHistory } = {}) {
  const dir = join(corpusRoot, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, devDependencies: { [framework]: '*' } }));
  // rollsafe's packages, linked one by one: the project keeps its own node_modules/.cache (the replay cache).
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '.cache') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  const files = generate(join(dir, 'migrations'), earlier, options);
  return { dir, files };
}

function clearReplayCache(dir) {
  rmSync(join(dir, 'node_modules/.cache/rollsafe/replay'), { recursive: true, force: true });
}

function printTable(title, rows, extra = () => '') {
  const width = Math.max(...rows.map((r) => r.label.length));
  console.log(`\n${title}\n${'scenario'.padEnd(width)}  median ms   min ms   max ms  runs  exit${extra(undefined)}`);
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(width)}  ${r.median.toFixed(0).padStart(9)}  ${r.min.toFixed(0).padStart(7)}  ${r.max.toFixed(0).padStart(7)}  ${String(r.runs).padStart(4)}  ${String(r.exit).padStart(4)}${extra(r)}`,
    );
  }
}

/** The server's kept history templates, dropped to time a run without one. */
function dropTemplates(databaseUrl) {
  const list = spawnSync('psql', [databaseUrl, '-Atc', "select datname from pg_database where datname like 'rollsafe_tpl_%'"], { encoding: 'utf8' });
  for (const name of list.stdout.split('\n').filter(Boolean)) spawnSync('psql', [databaseUrl, '-qc', `drop database if exists "${name}"`]);
}

// BENCH_COMMIT_ONLY=1: only the whole `git commit` with each hook init sets up (bench/commit.mjs).
if (process.env.BENCH_COMMIT_ONLY) {
  printCommitRows(benchCommits({ corpusRoot, runs }));
  process.exit(0);
}

const peakColumn = (r) => (r ? `  ${r.peakMb ? `${r.peakMb.toFixed(0)} MB`.padStart(8) : '       ?'}` : '  peak RSS');

// A history shaped like real projects' (bench/real-corpus.mjs: unguarded, so idempotent-up fails on
// most files; plpgsql triggers, views, wide tables with many indexes): lint --all at each size, on
// each engine, with the process's peak RSS. BENCH_REAL_SIZES, BENCH_REAL_ENGINES (default, pglite,
// postgres), BENCH_REAL_RUNS pick what runs; BENCH_REAL_ONLY=1 runs only this.
if (process.env.BENCH_REAL !== '0') {
  const sizes = (process.env.BENCH_REAL_SIZES ?? '50,100,300,1000').split(',').map(Number);
  const wanted = (process.env.BENCH_REAL_ENGINES ?? 'default,pglite,postgres').split(',');
  const realEngines = [
    { id: 'default', name: 'pg-mem + PGlite', args: [] },
    { id: 'pglite', name: 'PGlite alone', args: ['--engine', 'pglite'] },
    ...(process.env.DATABASE_URL ? [{ id: 'postgres', name: 'Postgres', args: ['--engine', 'postgres', '--database-url', process.env.DATABASE_URL] }] : []),
  ].filter((engine) => wanted.includes(engine.id));
  const realRows = [];
  for (const size of sizes) {
    const { dir, files } = project(`real-sql-${size}`, size, {}, { framework: 'golang-migrate', generate: generateRealSqlHistory });
    // PGlite's initialised data directory is made once per machine, not per run: made here, off the clock.
    spawnSync(process.execPath, [cli, 'lint', files[0], '--engine', 'pglite'], { cwd: dir, env: { ...process.env, CI: '1' } });
    for (const engine of realEngines) {
      const count = Number(process.env.BENCH_REAL_RUNS ?? (size <= 100 ? Math.min(runs, 3) : 1));
      // Every run from an empty replay cache (and no kept template): a first lint --all, as on a newly cloned repository.
      const cold = () => {
        clearReplayCache(dir);
        if (engine.id === 'postgres') dropTemplates(process.env.DATABASE_URL);
      };
      realRows.push({ ...time(`real-shaped SQL ${size}, lint --all: ${engine.name}`, ['lint', '--all', ...engine.args], dir, count, cold), size, engine: engine.id });
    }
  }
  printTable('lint --all on a real-shaped history (ratio: to the same size on Postgres; x/half: to half the size, same engine)', realRows, (r) => {
    if (!r) return `${peakColumn(r)}     ratio  x/half`;
    const server = realRows.find((b) => b.size === r.size && b.engine === 'postgres');
    const half = realRows.find((b) => b.size * 2 === r.size && b.engine === r.engine);
    return `${peakColumn(r)}  ${server ? `${(r.median / server.median).toFixed(2)}x`.padStart(8) : '        '}  ${half ? `${(r.median / half.median).toFixed(2)}x`.padStart(6) : ''}`;
  });
  if (process.env.BENCH_REAL_ONLY) process.exit(0);
}

const rows = [];
// BENCH_ENGINES_ONLY=1 skips straight to the engine comparison; BENCH_HOOK_ONLY=1 times the clean hook path after 300 and stops.
const hookOnly = Boolean(process.env.BENCH_HOOK_ONLY);
for (const earlier of process.env.BENCH_ENGINES_ONLY ? [] : hookOnly ? [300] : [100, 300]) {
  const clean = project(`knex-${earlier}`, earlier);
  const last = clean.files.at(-1);
  // First run fills the replay cache (cleared here); the hook's steady state is what users feel on every commit.
  clearReplayCache(clean.dir);
  rows.push(time(`hook path, clean, ${earlier} earlier (first run)`, ['lint', last], clean.dir, 1));
  rows.push(time(`hook path, clean, ${earlier} earlier`, ['lint', last], clean.dir));
  if (hookOnly) continue;
  const broken = project(`knex-${earlier}-broken`, earlier, { brokenLast: true });
  rows.push(time(`hook path, confirmed on PGlite, ${earlier} earlier`, ['lint', broken.files.at(-1)], broken.dir, Math.min(runs, 3)));
}
if (hookOnly) {
  printTable('hook path (pg-mem)', rows);
  process.exit(0);
}
if (!process.env.BENCH_ENGINES_ONLY) {
  const all = project('knex-all-100', 100);
  rows.push(time('lint --all, 100 migrations', ['lint', '--all'], all.dir, Math.min(runs, 3)));
  printTable('hook path and lint --all (pg-mem, failures confirmed on PGlite)', rows, peakColumn);
}

// The three engines on the same history: what a commit costs (the last migration after 300 earlier
// ones, replay cache warm), what a first run costs (cache empty) and lint --all over the whole set.
const databaseUrl = process.env.DATABASE_URL;
const engines = [
  { name: 'pg-mem + PGlite', args: [] },
  { name: 'PGlite alone', args: ['--engine', 'pglite'] },
  ...(databaseUrl ? [{ name: 'Postgres', args: ['--engine', 'postgres', '--database-url', databaseUrl] }] : []),
];
if (!databaseUrl) console.log('\n(DATABASE_URL unset: real Postgres is left out of the engine comparison)');
const historySize = Number(process.env.BENCH_HISTORY ?? 300);
// The same comparison on a TypeORM history: an ORM's migrations load and run through more code.
const sets = [
  { name: 'knex', project: project(`knex-engines-${historySize}`, historySize) },
  { name: 'typeorm', project: project(`typeorm-engines-${historySize}`, historySize, {}, { framework: 'typeorm', generate: writeTypeormHistory }) },
];
const engineRows = [];
for (const set of sets) {
  const last = set.project.files.at(-1);
  for (const engine of engines) {
    clearReplayCache(set.project.dir);
    if (databaseUrl) dropTemplates(databaseUrl);
    const label = (scenario) => `${set.name} ${historySize}, ${scenario}: ${engine.name}`;
    const row = (scenario, args, count) => ({ ...time(label(scenario), [...args, ...engine.args], set.project.dir, count), set: set.name, scenario, engine: engine.name });
    engineRows.push(row('hook path, first run', ['lint', last], 1));
    engineRows.push(row('hook path', ['lint', last], Math.min(runs, 3)));
    if (engine.name === 'Postgres') {
      // The same warm replay cache, but no kept template: the history is replayed as SQL again (and kept).
      const samples = [];
      for (let i = 0; i < Math.min(runs, 3); i++) {
        dropTemplates(databaseUrl);
        samples.push(time(label('hook path without template'), ['lint', last, ...engine.args], set.project.dir, 1));
      }
      const medians = samples.map((s) => s.median);
      engineRows.push({ ...samples[0], median: median(medians), min: Math.min(...medians), max: Math.max(...medians), runs: samples.length, set: set.name, scenario: 'hook path without template', engine: engine.name });
    }
    // BENCH_SKIP_ALL=1: lint --all of the whole history takes minutes on PGlite and a busy server.
    if (!process.env.BENCH_SKIP_ALL) engineRows.push(row('lint --all', ['lint', '--all'], 1));
  }
}
const reference = (r) =>
  r.scenario === 'hook path without template'
    ? engineRows.find((b) => b.set === r.set && b.scenario === 'hook path' && b.engine === r.engine)
    : engineRows.find((b) => b.set === r.set && b.scenario === r.scenario && b.engine === engines[0].name);
printTable('engines on the same history (ratio: to pg-mem + PGlite; without template: to the Postgres hook path)', engineRows, (r) => {
  if (!r) return `   ratio${peakColumn(r)}`;
  const base = reference(r);
  return `${base ? `  ${(r.median / base.median).toFixed(2).padStart(6)}x` : '         '}${peakColumn(r)}`;
});

// What a user feels on each commit: the whole `git commit` with each hook init sets up (BENCH_SKIP_COMMIT=1 skips it).
if (!process.env.BENCH_SKIP_COMMIT && !process.env.BENCH_ENGINES_ONLY) printCommitRows(benchCommits({ corpusRoot, runs }));
