import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadAdapter } from '../frameworks/index.js';
import type { FrameworkName, MigrationSet } from '../types.js';

/** The part of the configuration discovery needs: sets listed by the user, resolved to absolute dirs. */
export interface SetsConfig {
  sets?: { dir: string; framework: FrameworkName }[];
}

/** Folders where projects conventionally keep migrations, nearest first. */
const conventionalDirs = ['migrations', 'db/migrations', 'database/migrations', 'src/migrations', 'src/db/migrations'];

const codeExtensions = /\.(?:[cm]?js|[cm]?ts)$/;

/** The nearest folder at or above `from` holding a package.json (where frameworks are resolved from). */
export function findProjectDir(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(from);
    dir = parent;
  }
}

function readPackageJson(projectDir: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function dependsOn(projectDir: string, name: string): boolean {
  const pkg = readPackageJson(projectDir);
  return Boolean(pkg?.dependencies?.[name] ?? pkg?.devDependencies?.[name]);
}

/** knex keeps its folder in knexfile's `migrations.directory`; read it without running the knexfile. */
function knexfileDirectory(projectDir: string): string | undefined {
  for (const name of ['knexfile.ts', 'knexfile.js', 'knexfile.cjs', 'knexfile.mjs']) {
    const path = join(projectDir, name);
    if (!existsSync(path)) continue;
    const match = /directory\s*:\s*['"`]([^'"`]+)['"`]/.exec(readFileSync(path, 'utf8'));
    return match ? resolve(projectDir, match[1]) : join(projectDir, 'migrations');
  }
  return undefined;
}

/**
 * Which framework a folder of migrations belongs to, judged from its files and the project's
 * dependencies; undefined when the folder holds no migrations rollsafe knows.
 */
export function detectFramework(dir: string, projectDir = findProjectDir(dir)): FrameworkName | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (names.some((name) => /^\d+_.+\.(up|down)\.sql$/.test(name))) return 'golang-migrate';
  const sqlFiles = names.filter((name) => name.endsWith('.sql'));
  if (sqlFiles.some((name) => /--\s*migrate:up/.test(readFileSync(join(dir, name), 'utf8')))) return 'dbmate';
  const codeFiles = names.filter((name) => codeExtensions.test(name) && !name.endsWith('.d.ts'));
  if (codeFiles.length === 0) return undefined;
  const usesPgm = dependsOn(projectDir, 'node-pg-migrate');
  const usesKnex = dependsOn(projectDir, 'knex');
  if (usesPgm && !usesKnex) return 'node-pg-migrate';
  if (usesKnex && !usesPgm) return 'knex';
  // Both or neither declared: the migrations' own text decides.
  const sample = codeFiles.slice(0, 5).map((name) => readFileSync(join(dir, name), 'utf8')).join('\n');
  if (/\bpgm\.|MigrationBuilder/.test(sample)) return 'node-pg-migrate';
  if (/\bknex\b|Knex/.test(sample)) return 'knex';
  return undefined;
}

/** A set from one folder, its migrations listed and ordered by the framework's adapter. */
export async function buildSet(dir: string, framework: FrameworkName): Promise<MigrationSet> {
  const adapter = await loadAdapter(framework);
  return { dir, framework, projectDir: findProjectDir(dir), migrations: await adapter.listMigrations(dir) };
}

/**
 * The migration sets of a project: those the config lists, or else the conventional folders
 * (knexfile's directory, migrations/, db/migrations/ …) of the project at `cwd`.
 */
export async function discoverSets(cwd: string, config: SetsConfig = {}): Promise<MigrationSet[]> {
  if (config.sets?.length) {
    return Promise.all(config.sets.map((set) => buildSet(resolve(cwd, set.dir), set.framework)));
  }
  const projectDir = findProjectDir(cwd);
  const candidates = new Set<string>();
  const knexDir = knexfileDirectory(projectDir);
  if (knexDir) candidates.add(knexDir);
  for (const dir of conventionalDirs) candidates.add(join(projectDir, dir));
  const sets: MigrationSet[] = [];
  for (const dir of candidates) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    const framework = dir === knexDir ? 'knex' : detectFramework(dir, projectDir);
    if (framework) sets.push(await buildSet(dir, framework));
  }
  return sets;
}

/** A set for a migration found outside every known set: its own folder, its framework detected or given. */
export async function setForLooseFile(path: string, framework?: FrameworkName): Promise<MigrationSet | undefined> {
  const dir = dirname(path);
  const chosen = framework ?? detectFramework(dir);
  return chosen ? buildSet(dir, chosen) : undefined;
}
