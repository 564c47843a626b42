// Alembic's history: alembic.ini -> script_location -> versions/ (and version_locations), and the
// revision graph the files declare (revision, down_revision, depends_on), ordered as `upgrade heads`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { MigrationFile } from '../../types.js';

/** What the project's alembic.ini says about where its revisions live. */
export interface AlembicProject {
  /** The folder holding alembic.ini: where Alembic is run from, and where rollsafe runs it. */
  dir: string;
  /** script_location, absolute. */
  scriptLocation: string;
  /** The folders of revision files: version_locations, or script_location/versions. */
  versionDirs: string[];
  /** prepend_sys_path entries, absolute (the project's own modules, imported by revisions). */
  sysPath: string[];
  /** The ini section that declares it (`alembic`, or the name `alembic -n NAME` takes). */
  section: string;
  /** Flask-Migrate's folder: its ini has no script_location. */
  flask?: boolean;
}

/** One revision file's declarations, read without Python (they are plain assignments in every template). */
export interface RevisionHeader {
  path: string;
  revision: string;
  downRevisions: string[];
  dependsOn: string[];
  branchLabels: string[];
  /** 1-based lines of the `revision` and `down_revision` assignments (1 when absent). */
  revisionLine: number;
  downRevisionLine: number;
}

/** Reads alembic.ini's [alembic] section (else its first section with a script_location). */
export function readAlembicIni(iniPath: string): AlembicProject | undefined {
  const projects = readAlembicIniSections(iniPath);
  return projects.find((project) => project.section === 'alembic') ?? projects[0];
}

/**
 * Every history an alembic.ini declares: one per section with a `script_location` (`alembic -n NAME`
 * picks one), `%(here)s` expanded to the ini's folder; a `package:path` location resolved to the folder
 * of that package (beside the ini, on prepend_sys_path or under src/); Flask-Migrate's ini, which has no
 * script_location because Flask-Migrate passes its own folder, stands for the folder holding it.
 */
export function readAlembicIniSections(iniPath: string): AlembicProject[] {
  let text: string;
  try {
    text = readFileSync(iniPath, 'utf8');
  } catch {
    return [];
  }
  const dir = dirname(iniPath);
  const sections = new Map<string, Map<string, string>>();
  let values: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      const name = header[1].trim();
      values = sections.get(name) ?? new Map();
      sections.set(name, values);
    } else if (values && !/^[#;]/.test(line)) {
      const pair = /^([\w.]+)\s*[=:]\s*(.*)$/.exec(line);
      if (pair) values.set(pair[1], pair[2].replace(/%\(here\)s/g, dir));
    }
  }
  const defaults = sections.get('DEFAULT') ?? new Map<string, string>();
  const projects: AlembicProject[] = [];
  for (const [section, own] of sections) {
    if (section === 'DEFAULT') continue;
    const merged = new Map([...defaults, ...own]);
    const project = projectOf(dir, section, merged);
    if (project) projects.push(project);
  }
  if (projects.length === 0 && existsSync(join(dir, 'env.py'))) {
    projects.push({ ...projectOf(dir, 'alembic', new Map([...defaults, ...(sections.get('alembic') ?? []), ['script_location', dir]]))!, flask: true });
  }
  return projects;
}

function projectOf(dir: string, section: string, values: Map<string, string>): AlembicProject | undefined {
  const location = values.get('script_location');
  if (!location) return undefined;
  const separator = values.get('version_path_separator') ?? values.get('path_separator');
  const split = (value: string) => {
    const by = separator === 'space' || !separator ? /[\s,]+/ : separator === 'os' ? /:/ : new RegExp(`[${separator.replace(/[\]\\^-]/g, '\\$&')}]`);
    return value.split(by).map((part) => part.trim()).filter(Boolean);
  };
  const sysPath = split(values.get('prepend_sys_path') ?? '').map((part) => resolve(dir, part));
  const scriptLocation = resolveLocation(dir, location, sysPath);
  if (!scriptLocation) return undefined;
  const locations = values.get('version_locations');
  const versionDirs = locations
    ? split(locations).map((part) => resolveLocation(dir, part, sysPath)).filter((part): part is string => part !== undefined)
    : [join(scriptLocation, 'versions')];
  return { dir, section, scriptLocation, versionDirs, sysPath };
}

/** A folder, or Alembic's `package.module:path` (found where Python would import the package from). */
function resolveLocation(dir: string, location: string, sysPath: string[]): string | undefined {
  const packagePath = /^([A-Za-z_][\w.]*):(.*)$/.exec(location);
  if (!packagePath || /^[A-Za-z]:[\\/]/.test(location)) return resolve(dir, location);
  const [, dotted, inner] = packagePath;
  for (const base of [dir, ...sysPath, join(dir, 'src')]) {
    const candidate = join(base, ...dotted.split('.'), inner);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The alembic.ini at or above `from` whose version folders hold `from` (or any, when `from` is a project folder). */
export function findAlembicProject(from: string): AlembicProject | undefined {
  let dir = resolve(from);
  for (;;) {
    const ini = join(dir, 'alembic.ini');
    if (existsSync(ini)) {
      const projects = readAlembicIniSections(ini);
      const holding = projects.find((project) => project.versionDirs.some((v) => resolve(from).startsWith(v)));
      if (holding) return holding;
      if (dir === resolve(from) && projects.length) return readAlembicIni(ini);
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const assignment = /^(revision|down_revision|branch_labels|depends_on)\s*(?::[^=\n]+)?=\s*(.+)$/gm;

/** The revision's declarations; undefined when the file is no Alembic revision. */
export function readRevisionHeader(path: string, source: string): RevisionHeader | undefined {
  const found = new Map<string, { values: string[]; line: number }>();
  for (const match of source.matchAll(assignment)) {
    if (found.has(match[1])) continue;
    const line = source.slice(0, match.index).split('\n').length;
    found.set(match[1], { values: [...match[2].matchAll(/(['"])(.*?)\1/g)].map((m) => m[2]), line });
  }
  const revision = found.get('revision');
  if (!revision?.values[0] || !found.has('down_revision')) return undefined;
  return {
    path,
    revision: revision.values[0],
    downRevisions: found.get('down_revision')!.values,
    dependsOn: found.get('depends_on')?.values ?? [],
    branchLabels: found.get('branch_labels')?.values ?? [],
    revisionLine: revision.line,
    downRevisionLine: found.get('down_revision')!.line,
  };
}

export function claimsAlembicRevision(path: string, source: string): boolean {
  return path.endsWith('.py') && /^\s*(from alembic|import alembic)/m.test(source) && readRevisionHeader(path, source) !== undefined;
}

/** The revision files of the folders (Alembic reads each folder flat; `recursive_version_locations` is not followed). */
export function readRevisions(dirs: string[]): RevisionHeader[] {
  const headers: RevisionHeader[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((name) => name.endsWith('.py') && !name.startsWith('__')).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (!statSync(path).isFile()) continue;
      const header = readRevisionHeader(path, readFileSync(path, 'utf8'));
      if (header) headers.push(header);
    }
  }
  return headers;
}

/** The folders of the set holding `dir`: every version location of its project, or `dir` alone. */
export function versionDirsOf(dir: string): string[] {
  const project = findAlembicProject(dir);
  if (!project) return [dir];
  // The project's own folder (the one holding alembic.ini) stands for its whole history.
  const ofProject = project.dir === resolve(dir) || project.versionDirs.some((v) => resolve(v) === resolve(dir));
  return ofProject ? project.versionDirs : [dir];
}

/** Revisions nobody revises (as `alembic heads`); depends_on does not make a head (Alembic agrees). */
export function headsOf(revisions: RevisionHeader[]): RevisionHeader[] {
  const revised = new Set(revisions.flatMap((r) => r.downRevisions));
  return revisions.filter((r) => !revised.has(r.revision));
}

/**
 * Parents (down_revision and depends_on) before children, as `alembic upgrade heads` applies them;
 * revisions that are otherwise unordered keep the folders' file-name order.
 */
export function topologicalOrder(revisions: RevisionHeader[]): RevisionHeader[] {
  const byId = new Map(revisions.map((r) => [r.revision, r]));
  const ordered: RevisionHeader[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (revision: RevisionHeader) => {
    const seen = state.get(revision.revision);
    // A cycle is Alembic's error to report; rollsafe just keeps going.
    if (seen) return;
    state.set(revision.revision, 'visiting');
    for (const parent of [...revision.downRevisions, ...revision.dependsOn]) {
      const found = byId.get(parent) ?? revisions.find((r) => r.branchLabels.includes(parent));
      if (found) visit(found);
    }
    state.set(revision.revision, 'done');
    ordered.push(revision);
  };
  for (const revision of revisions) visit(revision);
  return ordered;
}

export function listAlembicRevisions(dir: string): MigrationFile[] {
  return topologicalOrder(readRevisions(versionDirsOf(dir))).map((r) => ({ id: r.revision, path: r.path }));
}

export function describeRevision(revision: RevisionHeader): string {
  return `${revision.revision} (${basename(revision.path)})`;
}
