// Times what users wait for: the commit hook (one staged migration after N earlier ones) and
// `lint --all`, as the CLI runs them (a fresh node process each time, as the hook does).
// Prints medians; never asserted in tests.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKnexHistory } from './corpus.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = join(root, 'dist/src/cli.js');
const corpusRoot = join(root, 'bench/corpus');
const runs = Number(process.env.BENCH_RUNS ?? 5);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time(label, args, cwd, count = runs) {
  const samples = [];
  let status;
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    status = run.status;
    if (run.status === 2) {
      console.error(`${label}: rollsafe failed:\n${run.stderr}`);
      process.exit(1);
    }
  }
  return { label, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), runs: count, exit: status };
}

function project(name, earlier, options = {}) {
  const dir = join(corpusRoot, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, devDependencies: { knex: '*' } }));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const files = generateKnexHistory(join(dir, 'migrations'), earlier, options);
  return { dir, files };
}

const rows = [];
for (const earlier of [100, 300]) {
  const clean = project(`knex-${earlier}`, earlier);
  const last = clean.files.at(-1);
  // First run fills the replay cache (cleared here); the hook's steady state is what users feel on every commit.
  rmSync(join(root, 'node_modules/.cache/rollsafe/replay'), { recursive: true, force: true });
  rows.push(time(`hook path, clean, ${earlier} earlier (first run)`, ['lint', last], clean.dir, 1));
  rows.push(time(`hook path, clean, ${earlier} earlier`, ['lint', last], clean.dir));
  const broken = project(`knex-${earlier}-broken`, earlier, { brokenLast: true });
  rows.push(time(`hook path, confirmed on PGlite, ${earlier} earlier`, ['lint', broken.files.at(-1)], broken.dir, Math.min(runs, 3)));
}
const all = project('knex-all-100', 100);
rows.push(time('lint --all, 100 migrations', ['lint', '--all'], all.dir, Math.min(runs, 3)));

const width = Math.max(...rows.map((r) => r.label.length));
console.log(`${'scenario'.padEnd(width)}  median ms   min ms   max ms  runs  exit`);
for (const r of rows) {
  console.log(
    `${r.label.padEnd(width)}  ${r.median.toFixed(0).padStart(9)}  ${r.min.toFixed(0).padStart(7)}  ${r.max.toFixed(0).padStart(7)}  ${String(r.runs).padStart(4)}  ${String(r.exit).padStart(4)}`,
  );
}
