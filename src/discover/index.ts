import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadAdapter } from '../frameworks/index.js';
import type { FrameworkName, MigrationSet, SetupScript } from '../types.js';
import { frameworkFromText, frameworksFromPackages } from './signatures.js';
import { workspacePackages } from './workspaces.js';
import { sequelizercMigrationsPath } from '../frameworks/sequelize/discover.js';

/** The part of the configuration discovery needs: sets listed by the user, resolved to absolute dirs. */
export interface SetsConfig {
  sets?: { dir: string; framework: FrameworkName; setupScripts?: SetupScript[] }[];
}

/** Folders where projects conventionally keep migrations, nearest first. */
const conventionalDirs = [
  'migrations',
  'db/migrations',
  'database/migrations',
  'src/migrations',
  'src/migration',
  'src/db/migrations',
  'src/database/migrations',
];

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

function dependencies(projectDir: string): Set<string> {
  const pkg = readPackageJson(projectDir);
  return new Set([...Object.keys(pkg?.dependencies ?? {}), ...Object.keys(pkg?.devDependencies ?? {})]);
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
  if (isAlembicVersionsDir(dir, names)) return 'alembic';
  const sqlFiles = names.filter((name) => name.endsWith('.sql'));
  if (sqlFiles.some((name) => /--\s*migrate:up/.test(readFileSync(join(dir, name), 'utf8')))) return 'dbmate';
  const codeFiles = names.filter((name) => codeExtensions.test(name) && !name.endsWith('.d.ts'));
  if (codeFiles.length === 0) return undefined;
  // The files' own text decides first: a project may depend on several frameworks (an ORM for the
  // app, knex for scripts), but a migration names the API it drives.
  const sample = codeFiles.slice(0, 5).map((name) => readFileSync(join(dir, name), 'utf8'));
  const fromText = frameworkFromText(sample);
  if (fromText) return fromText;
  const declared = frameworksFromPackages(dependencies(projectDir));
  return declared.length === 1 ? declared[0] : undefined;
}

/** A set from one folder, its migrations listed and ordered by the framework's adapter. */
export async function buildSet(dir: string, framework: FrameworkName): Promise<MigrationSet> {
  const adapter = await loadAdapter(framework);
  const projectDir = framework === 'alembic' ? alembicProjectDir(dir) : findProjectDir(dir);
  return { dir, framework, projectDir, migrations: await adapter.listMigrations(dir) };
}

/**
 * The migration sets of a project: those the config lists, or else the conventional folders
 * (knexfile's directory, migrations/, db/migrations/ …) of the project at `cwd` and of each of its
 * workspace packages.
 */
export async function discoverSets(cwd: string, config: SetsConfig = {}): Promise<MigrationSet[]> {
  if (config.sets?.length) {
    return Promise.all(
      config.sets.map(async (set) => {
        const built = await buildSet(resolve(cwd, set.dir), set.framework);
        return set.setupScripts?.length ? { ...built, setup: set.setupScripts } : built;
      }),
    );
  }
  const rootDir = findProjectDir(cwd);
  // A monorepo's packages each keep their own set and history, resolved from their own package.json.
  // A Python project's alembic.ini sits where Alembic is run from, whatever package.json is above.
  const sets: MigrationSet[] = resolve(cwd) === rootDir ? [] : await alembicSets(resolve(cwd));
  for (const projectDir of [rootDir, ...workspacePackages(rootDir)]) {
    sets.push(...(await conventionalSets(projectDir)));
  }
  return sets;
}

/** The sets in one package's conventional folders (knexfile's directory, .sequelizerc's migrations-path, migrations/, …). */
async function conventionalSets(projectDir: string): Promise<MigrationSet[]> {
  const candidates = new Set<string>();
  const knexDir = knexfileDirectory(projectDir);
  if (knexDir) candidates.add(knexDir);
  const sequelizeDir = sequelizercMigrationsPath(projectDir);
  if (sequelizeDir) candidates.add(sequelizeDir);
  for (const dir of conventionalDirs) candidates.add(join(projectDir, dir));
  const sets: MigrationSet[] = await alembicSets(projectDir);
  for (const dir of candidates) {
    if (!existsSync(dir) || !statSync(dir).isDirectory() || sets.some((set) => set.dir === dir)) continue;
    const framework = dir === knexDir ? 'knex' : dir === sequelizeDir ? 'sequelize' : detectFramework(dir, projectDir);
    if (framework) sets.push(await buildSet(dir, framework));
  }
  return sets;
}

/** A set for a migration found outside every known set: its own folder, its framework detected or given. */
export async function setForLooseFile(path: string, framework?: FrameworkName): Promise<MigrationSet | undefined> {
  const { isDieselMigrationFile } = await import('../frameworks/diesel/index.js');
  // diesel keeps each migration in a folder of its own: the set is the folder of those folders.
  if ((framework === undefined || framework === 'diesel') && isDieselMigrationFile(path)) return buildSet(dirname(dirname(path)), 'diesel');
  const dir = dirname(path);
  const chosen = framework ?? detectFramework(dir);
  return chosen ? buildSet(dir, chosen) : undefined;
}

// ---------------------------------------------------------------- Alembic (Python projects have no package.json)

/** A folder of Python revisions: files that assign `revision` and `down_revision` and use Alembic. */
function isAlembicVersionsDir(dir: string, names: string[]): boolean {
  return names.some((name) => {
    if (!name.endsWith('.py')) return false;
    const source = readFileSync(join(dir, name), 'utf8');
    return /^\s*(from alembic|import alembic)/m.test(source) && /^down_revision\b/m.test(source);
  });
}

/** The folder holding the project's alembic.ini (where Alembic runs from), else the nearest package.json's. */
function alembicProjectDir(versionsDir: string): string {
  let dir = resolve(versionsDir);
  for (;;) {
    if (existsSync(join(dir, 'alembic.ini'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return findProjectDir(versionsDir);
    dir = parent;
  }
}

/** alembic.ini -> script_location -> versions/ (one set per ini; its version_locations are read by the adapter). */
async function alembicSets(projectDir: string): Promise<MigrationSet[]> {
  const ini = join(projectDir, 'alembic.ini');
  if (!existsSync(ini)) return [];
  const { readAlembicIni } = await import('../frameworks/alembic/discover.js');
  const versions = readAlembicIni(ini)?.versionDirs[0];
  return versions && existsSync(versions) ? [await buildSet(versions, 'alembic')] : [];
}
