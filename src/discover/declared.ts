// Migration folders as the frameworks' own configuration declares them, read statically (never run):
// knexfiles, TypeORM DataSources and ormconfigs, Kysely's FileMigrationProvider, MikroORM configs,
// .sequelizerc, node-pg-migrate and dbmate command lines in package.json scripts, dbmate's .env,
// every alembic.ini (each section), Flask-Migrate folders and diesel.toml.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { FrameworkName } from '../types.js';
import { arrayElements, constantValue, globFolder, pathOf, propertyValues, type PathBases } from './config-paths.js';
import picomatch from 'picomatch';
import { readSmallText, type RepositoryFiles } from './repository.js';

/** A history a config file declares: its folders (several for a TypeORM DataSource with several globs). */
export interface DeclaredSet {
  dirs: string[];
  framework: FrameworkName;
  /** The config file and key, e.g. `packages/db/knexfile.js (migrations.directory)`. */
  foundBy: string;
}

/** A config that names a folder that is not there: said when nothing else is found. */
export interface MissedDeclaration {
  foundBy: string;
  path: string;
}

export interface Declarations {
  sets: DeclaredSet[];
  missed: MissedDeclaration[];
}

const codeFile = /\.(?:[cm]?[jt]s)$/;

export function declaredSets(repo: RepositoryFiles): Declarations {
  const found: Declarations = { sets: [], missed: [] };
  const where = (file: string) => relative(repo.root, file).split(sep).join('/') || basename(file);
  const packageOf = (file: string) => packageDirOf(file, repo.root);
  const add = (framework: FrameworkName, file: string, key: string, paths: string[], options: { globs?: boolean } = {}) => {
    const dirs: string[] = [];
    for (const path of paths) {
      const resolved = options.globs ? expandGlob(path, repo) : [path];
      const existing = resolved.flatMap((dir) => withBuildFallback(dir)).filter(isDir);
      if (existing.length === 0) found.missed.push({ foundBy: `${where(file)} (${key})`, path });
      dirs.push(...existing.filter((dir) => !dirs.includes(dir)));
    }
    if (dirs.length) found.sets.push({ dirs, framework, foundBy: `${where(file)} (${key})` });
  };

  for (const file of repo.files) {
    const name = basename(file);
    if (/^knexfile\.[cm]?[jt]s$/.test(name)) {
      const source = readSmallText(file);
      if (source === undefined) continue;
      const bases: PathBases = { fileDir: dirname(file), relativeTo: dirname(file), cwd: dirname(file) };
      const paths = new Set<string>();
      for (const migrations of propertyValues(source, 'migrations').filter((value) => value.startsWith('{'))) {
        for (const directory of propertyValues(migrations, 'directory')) {
          const values = directory.startsWith('[') ? arrayElements(directory) : [directory];
          for (const value of values) {
            const path = pathOf(constantValue(source, value), bases);
            if (path) paths.add(path);
          }
        }
      }
      // knex's default: ./migrations beside the knexfile (the CLI runs from the knexfile's folder).
      if (paths.size === 0) paths.add(join(dirname(file), 'migrations'));
      add('knex', file, paths.size && /directory/.test(source) ? 'migrations.directory' : 'default migrations/', [...paths]);
      continue;
    }
    if (name === '.sequelizerc') {
      const source = readSmallText(file) ?? '';
      const value = propertyValues(source, 'migrations-path')[0];
      const bases: PathBases = { fileDir: dirname(file), relativeTo: dirname(file), cwd: dirname(file) };
      const path = value ? pathOf(value, bases) : join(dirname(file), 'migrations');
      if (path) add('sequelize', file, value ? 'migrations-path' : 'default migrations/', [path]);
      continue;
    }
    if (name === 'alembic.ini') continue; // read below, with the Alembic reader
    if (name === 'diesel.toml') {
      // [migrations_directory] dir = "…", relative to diesel.toml; diesel's default is migrations/.
      const section = /^\[migrations_directory\]([^[]*)/m.exec(readSmallText(file) ?? '')?.[1] ?? '';
      const dir = /^\s*dir\s*=\s*["']([^"']+)["']/m.exec(section)?.[1];
      add('diesel', file, dir ? 'migrations_directory.dir' : 'default migrations/', [resolve(dirname(file), dir ?? 'migrations')]);
      continue;
    }
    if (name === 'package.json') {
      readScripts(file, add);
      continue;
    }
    if (/^\.env(?:\.[\w.-]+)?$/.test(name)) {
      const value = /^\s*(?:export\s+)?DBMATE_MIGRATIONS_DIR\s*=\s*['"]?([^'"\s#]+)/m.exec(readSmallText(file) ?? '')?.[1];
      if (value) add('dbmate', file, 'DBMATE_MIGRATIONS_DIR', value.split(',').map((dir) => resolve(dirname(file), dir)));
      continue;
    }
    if (/^ormconfig\.json$/.test(name)) {
      try {
        const config = JSON.parse(readSmallText(file) ?? 'null');
        const entries = (Array.isArray(config) ? config : [config]).filter(Boolean);
        const cwd = dirname(file);
        const globs = entries.flatMap((entry: { migrations?: unknown }) => (Array.isArray(entry.migrations) ? entry.migrations : []))
          .filter((glob: unknown): glob is string => typeof glob === 'string')
          .map((glob: string) => resolve(cwd, glob));
        if (globs.length) add('typeorm', file, 'migrations', globs, { globs: true });
      } catch {
        // An ormconfig.json that does not parse declares nothing rollsafe can read.
      }
      continue;
    }
    // Migrations themselves (named by a number or a timestamp) configure nothing: not worth reading here.
    if (!codeFile.test(name) || /\.d\.[cm]?ts$/.test(name) || /^(?:\d|Migration\d)/.test(name)) continue;
    const source = readSmallText(file, 256 * 1024);
    if (source === undefined) continue;
    const cwd = packageOf(file);
    const fromPackage: PathBases = { fileDir: dirname(file), relativeTo: cwd, cwd };
    if (/\bnew\s+DataSource\s*\(|\bDataSourceOptions\b|\bcreateConnection\s*\(|^ormconfig\./.test(source) || /^ormconfig\./.test(name)) {
      for (const migrations of propertyValues(source, 'migrations').filter((value) => value.startsWith('['))) {
        const paths = arrayElements(migrations).map((element) => pathOf(constantValue(source, element), fromPackage)).filter((path): path is string => path !== undefined);
        if (paths.length) add('typeorm', file, 'migrations', paths, { globs: true });
      }
    }
    // A knex config outside a knexfile (`require('knex')({ … })`, `src/configs/knex.js`): migrations.directory too.
    if (/['"]knex['"]|\bKnex\.Config\b|\bknex\s*:\s*\{/.test(source) && /\bdirectory\s*:/.test(source)) {
      const paths = new Set<string>();
      for (const migrations of propertyValues(source, 'migrations').filter((value) => value.startsWith('{'))) {
        for (const directory of propertyValues(migrations, 'directory')) {
          for (const value of directory.startsWith('[') ? arrayElements(directory) : [directory]) {
            const path = pathOf(constantValue(source, value), fromPackage);
            if (path) paths.add(path);
          }
        }
      }
      if (paths.size) add('knex', file, 'migrations.directory', [...paths]);
    }
    // node-pg-migrate's programmatic runner: runner({ dir: 'src/db/migrations', … }).
    if (/['"]node-pg-migrate['"]/.test(source)) {
      for (const value of propertyValues(source, 'dir')) {
        const path = pathOf(constantValue(source, value), fromPackage);
        if (path) add('node-pg-migrate', file, 'runner dir', [path]);
      }
    }
    if (/\bFileMigrationProvider\b/.test(source)) {
      for (const value of propertyValues(source, 'migrationFolder')) {
        const path = pathOf(constantValue(source, value), fromPackage);
        if (path) add('kysely', file, 'FileMigrationProvider migrationFolder', [path]);
      }
    }
    if (/@mikro-orm\//.test(source)) {
      for (const migrations of propertyValues(source, 'migrations').filter((value) => value.startsWith('{'))) {
        // pathTs is where the TypeScript sources are; path is often the compiled output.
        const value = propertyValues(migrations, 'pathTs')[0] ?? propertyValues(migrations, 'path')[0];
        const path = value ? pathOf(value, fromPackage) : undefined;
        if (path) add('mikro-orm', file, value === propertyValues(migrations, 'pathTs')[0] ? 'migrations.pathTs' : 'migrations.path', [path]);
      }
    }
  }

  for (const file of repo.files.filter((path) => basename(path) === 'alembic.ini')) found.sets.push(...alembicDeclared(file, where));
  return merge(found);
}

/** node-pg-migrate's `-m dir` / `--migrations-dir dir` and dbmate's `-d dir` / `--migrations-dir dir` in package.json scripts. */
function readScripts(file: string, add: (framework: FrameworkName, file: string, key: string, paths: string[]) => void): void {
  let scripts: Record<string, unknown>;
  try {
    scripts = JSON.parse(readSmallText(file) ?? '{}').scripts ?? {};
  } catch {
    return;
  }
  const cwd = dirname(file);
  for (const [name, command] of Object.entries(scripts)) {
    if (typeof command !== 'string') continue;
    for (const part of command.split(/&&|\|\||;/)) {
      const pgm = /\bnode-pg-migrate\b(.*)/.exec(part)?.[1];
      if (pgm !== undefined) {
        const dir = /(?:^|\s)(?:-m|--migrations-dir)(?:\s+|=)['"]?([^\s'"]+)/.exec(pgm)?.[1];
        add('node-pg-migrate', file, `scripts.${name}${dir ? '' : ' (default migrations/)'}`, [resolve(cwd, dir ?? 'migrations')]);
      }
      const dbmate = /\bdbmate\b(.*)/.exec(part)?.[1];
      if (dbmate !== undefined) {
        const dir = /(?:^|\s)(?:-d|--migrations-dir)(?:\s+|=)['"]?([^\s'"]+)/.exec(dbmate)?.[1];
        if (dir) add('dbmate', file, `scripts.${name}`, [resolve(cwd, dir)]);
      }
    }
  }
}

function alembicDeclared(ini: string, where: (file: string) => string): DeclaredSet[] {
  // Loaded lazily: the Alembic reader is only needed where there is an alembic.ini.
  const projects = alembicReader.readAlembicIniSections(ini);
  return projects
    .filter((project) => project.versionDirs.some(isDir))
    .map((project) => ({
      dirs: [project.versionDirs.find(isDir)!],
      framework: 'alembic' as const,
      foundBy: project.flask
        ? `${where(ini)} (Flask-Migrate: no script_location, env.py beside it)`
        : `${where(ini)} ([${project.section}] script_location)`,
    }));
}

let alembicReader: typeof import('../frameworks/alembic/discover.js');
/** Must run before declaredSets when the repository holds an alembic.ini. */
export async function loadAlembicReader(): Promise<void> {
  alembicReader ??= await import('../frameworks/alembic/discover.js');
}

/** The same folders declared twice (knexfile environments, two scripts) are one set; the first reason stands. */
function merge(found: Declarations): Declarations {
  const sets: DeclaredSet[] = [];
  for (const set of found.sets) {
    const key = set.dirs.join('\0');
    if (!sets.some((other) => other.dirs.join('\0') === key)) sets.push(set);
  }
  const claimed = new Set(sets.flatMap((set) => set.dirs));
  return { sets, missed: found.missed.filter((miss) => !claimed.has(miss.path)) };
}

/** The folders a migrations glob reads: its literal folder, the folders its pattern matches, and below them for `**`. */
function expandGlob(path: string, repo: RepositoryFiles): string[] {
  const glob = globFolder(path);
  const { pattern, recursive } = glob;
  const dir = withBuildFallback(glob.dir)[0];
  let dirs = [dir];
  if (pattern) {
    const matches = picomatch(pattern);
    dirs = repo.dirs.filter((candidate) => candidate.startsWith(dir + sep) && matches(relative(dir, candidate).split(sep).join('/')));
  }
  if (recursive) dirs = [...new Set(dirs.flatMap((d) => [d, ...repo.dirs.filter((candidate) => candidate.startsWith(d + sep))]))];
  // Only folders that hold files: `src/**/migrations/*.ts` should not list every folder of src/.
  return dirs.filter((d) => repo.files.some((file) => dirname(file) === d && codeFile.test(file)));
}

/** `dist/migrations` (compiled, maybe not built) stands for its sources in `src/migrations`. */
function withBuildFallback(dir: string): string[] {
  if (isDir(dir)) return [dir];
  const source = dir.replace(/([\\/])(?:dist|build|lib|out)([\\/])/, '$1src$2');
  return source !== dir && isDir(source) ? [source] : [dir];
}

/** The nearest folder at or above `file` holding a package.json, within the repository. */
function packageDirOf(file: string, root: string): string {
  let dir = dirname(file);
  while (dir.startsWith(root) && dir !== root) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return root;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
