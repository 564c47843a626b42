import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadAdapter } from '../frameworks/index.js';
import type { FrameworkName, MigrationSet, SetupScript } from '../types.js';
import { declaredSets, loadAlembicReader, type MissedDeclaration } from './declared.js';
import { readSmallText, walkRepository, type RepositoryFiles } from './repository.js';
import { frameworkFromText, frameworksFromPackages, signatureWords } from './signatures.js';
import { excludedWorkspacePackages } from './workspaces.js';

/** The part of the configuration discovery needs: sets listed by the user, resolved to absolute dirs. */
export interface SetsConfig {
  sets?: { dir: string; framework: FrameworkName; setupScripts?: SetupScript[] }[];
}

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

/** A set from one folder (or several forming one history), its migrations listed and ordered by the framework's adapter. */
export async function buildSet(dir: string | string[], framework: FrameworkName, foundBy?: string): Promise<MigrationSet> {
  const dirs = Array.isArray(dir) ? dir : [dir];
  const adapter = await loadAdapter(framework);
  const projectDir = framework === 'alembic' ? alembicProjectDir(dirs[0]) : findProjectDir(dirs[0]);
  const migrations =
    dirs.length > 1 && adapter.listMigrationsIn ? await adapter.listMigrationsIn(dirs) : (await Promise.all(dirs.map((d) => adapter.listMigrations(d)))).flat();
  return { dir: dirs[0], ...(dirs.length > 1 ? { dirs } : {}), framework, projectDir, migrations, ...(foundBy ? { foundBy } : {}) };
}

/** What discovery found, and where it looked (said when it found nothing). */
export interface Discovery {
  sets: MigrationSet[];
  /** The folder walked. */
  root: string;
  /** Config files that name a folder that is not there. */
  missed: MissedDeclaration[];
  /** The walk stopped at its budget. */
  truncated: boolean;
}

/**
 * The migration sets of a project: those the config lists, or else every set the repository under
 * `cwd` declares in its frameworks' own configuration (knexfiles, DataSources, alembic.ini …) and every
 * folder whose files carry a framework's signature. Workspace packages excluded with `!pattern` are skipped.
 */
export async function discoverSets(cwd: string, config: SetsConfig = {}): Promise<MigrationSet[]> {
  return (await discoverRepository(cwd, config)).sets;
}

export async function discoverRepository(cwd: string, config: SetsConfig = {}): Promise<Discovery> {
  const root = resolve(cwd);
  if (config.sets?.length) {
    const sets = await Promise.all(
      config.sets.map(async (set, index) => {
        const built = await buildSet(resolve(cwd, set.dir), set.framework, `rollsafe config (sets[${index}])`);
        return set.setupScripts?.length ? { ...built, setup: set.setupScripts } : built;
      }),
    );
    return { sets, root, missed: [], truncated: false };
  }
  const repo = walkRepository(root, { exclude: new Set([...excludedWorkspacePackages(findProjectDir(root)), ...excludedWorkspacePackages(root)]) });
  if (repo.files.some((file) => basename(file) === 'alembic.ini')) await loadAlembicReader();
  const declared = declaredSets(repo);
  const sets: MigrationSet[] = [];
  for (const set of declared.sets) sets.push(await buildSet(set.dirs, set.framework, set.foundBy));
  const claimed = new Set(declared.sets.flatMap((set) => set.dirs));
  for (const found of await signatureSets(repo, claimed)) sets.push(await buildSet(found.dir, found.framework, found.foundBy));
  sets.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return { sets, root, missed: declared.missed, truncated: repo.truncated };
}

const dieselVersionFolder = /^\d[\d-]*_.+$/;

/** The one framework the folder's package depends on, if it depends on exactly one. */
function onlyDeclared(dir: string): FrameworkName | undefined {
  const declared = frameworksFromPackages(dependencies(findProjectDir(dir)));
  return declared.length === 1 ? declared[0] : undefined;
}

const adapters = new Map<FrameworkName, Awaited<ReturnType<typeof loadAdapter>>>();
/** Whether the framework's adapter recognises the file as one of its migrations; the adapters' claims are cheap text tests. */
async function claimedByAdapter(framework: FrameworkName): Promise<(path: string, source: string) => boolean> {
  if (!adapters.has(framework)) adapters.set(framework, await loadAdapter(framework));
  const adapter = adapters.get(framework)!;
  return (path, source) => adapter.claims(path, source);
}

/** Folders nobody's config names whose files carry a framework's signature. */
async function signatureSets(repo: RepositoryFiles, claimed: Set<string>): Promise<{ dir: string; framework: FrameworkName; foundBy: string }[]> {
  const filesOf = new Map<string, string[]>();
  for (const file of repo.files) {
    const names = filesOf.get(dirname(file)) ?? [];
    names.push(basename(file));
    filesOf.set(dirname(file), names);
  }
  const found: { dir: string; framework: FrameworkName; foundBy: string }[] = [];
  const say = (framework: FrameworkName) => `signature: ${signatureWords[framework]}`;
  const dieselParents = new Set<string>();
  for (const dir of repo.dirs) {
    if (dieselVersionFolder.test(basename(dir)) && filesOf.get(dir)?.includes('up.sql')) dieselParents.add(dirname(dir));
  }
  for (const dir of repo.dirs) {
    if (claimed.has(dir)) continue;
    if (dieselParents.has(dir)) {
      found.push({ dir, framework: 'diesel', foundBy: say('diesel') });
      continue;
    }
    const names = filesOf.get(dir) ?? [];
    if (names.length === 0) continue;
    if (names.some((name) => /^\d+_.+\.(up|down)\.sql$/.test(name))) {
      found.push({ dir, framework: 'golang-migrate', foundBy: say('golang-migrate') });
      continue;
    }
    const sql = names.filter((name) => name.endsWith('.sql')).slice(0, 5);
    if (sql.some((name) => /^--[ \t]*migrate:up/m.test(readSmallText(join(dir, name)) ?? ''))) {
      found.push({ dir, framework: 'dbmate', foundBy: say('dbmate') });
      continue;
    }
    const python = names.filter((name) => name.endsWith('.py'));
    if (python.length && isAlembicVersionsDir(dir, python.slice(0, 5))) {
      found.push({ dir, framework: 'alembic', foundBy: say('alembic') });
      continue;
    }
    const code = names.filter((name) => codeExtensions.test(name) && !/\.d\.[cm]?ts$/.test(name));
    if (code.length === 0) continue;
    // Only folders that look like migrations: named so, or holding files named by a version or a timestamp.
    const named = /migrat/i.test(basename(dir));
    if (!named && !code.some((name) => /^(?:\d{3,}|Migration\d|V\d)/.test(name))) continue;
    const sample = code.slice(0, 5).map((name) => [join(dir, name), readSmallText(join(dir, name)) ?? ''] as const);
    const fromText = frameworkFromText(sample.map(([, source]) => source));
    // Scripts that merely use the ORM are no migrations: the framework must recognise a file as its own (an exported up).
    const framework = fromText ?? (named ? onlyDeclared(dir) : undefined);
    if (!framework) continue;
    const claims = await claimedByAdapter(framework);
    if (!sample.some(([path, source]) => claims(path, source))) continue;
    found.push({ dir, framework, foundBy: fromText ? say(framework) : `a migrations folder of a package depending on ${framework}` });
  }
  return found;
}

/** A set for a migration found outside every known set: its own folder, its framework detected or given. */
export async function setForLooseFile(path: string, framework?: FrameworkName): Promise<MigrationSet | undefined> {
  const { isDieselMigrationFile } = await import('../frameworks/diesel/index.js');
  // diesel keeps each migration in a folder of its own: the set is the folder of those folders.
  if ((framework === undefined || framework === 'diesel') && isDieselMigrationFile(path)) {
    return buildSet(dirname(dirname(path)), 'diesel', framework ? '--framework diesel' : `signature: ${signatureWords.diesel}`);
  }
  const dir = dirname(path);
  const chosen = framework ?? detectFramework(dir);
  return chosen ? buildSet(dir, chosen, framework ? `--framework ${framework}` : `signature: ${signatureWords[chosen]}`) : undefined;
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
