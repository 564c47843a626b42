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

/** Reads alembic.ini's [alembic] section; `%(here)s` is the ini's folder, as Alembic expands it. */
export function readAlembicIni(iniPath: string): AlembicProject | undefined {
  let text: string;
  try {
    text = readFileSync(iniPath, 'utf8');
  } catch {
    return undefined;
  }
  const dir = dirname(iniPath);
  const values = new Map<string, string>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1].trim();
    else if (section === 'alembic' && !/^[#;]/.test(line)) {
      const pair = /^([\w.]+)\s*[=:]\s*(.*)$/.exec(line);
      if (pair) values.set(pair[1], pair[2].replace(/%\(here\)s/g, dir));
    }
  }
  const location = values.get('script_location');
  if (!location) return undefined;
  // A package path (`myapp:migrations`) is left to Alembic; rollsafe reads folders only.
  if (/^[\w.]+:/.test(location) && !/^[A-Za-z]:[\\/]/.test(location)) return undefined;
  const scriptLocation = resolve(dir, location);
  const separator = values.get('version_path_separator') ?? values.get('path_separator');
  const split = (value: string) => {
    const by = separator === 'space' || !separator ? /[\s,]+/ : separator === 'os' ? /:/ : new RegExp(`[${separator.replace(/[\]\\^-]/g, '\\$&')}]`);
    return value.split(by).map((part) => part.trim()).filter(Boolean);
  };
  const locations = values.get('version_locations');
  const versionDirs = locations ? split(locations).map((part) => resolve(dir, part)) : [join(scriptLocation, 'versions')];
  const sysPath = split(values.get('prepend_sys_path') ?? '').map((part) => resolve(dir, part));
  return { dir, scriptLocation, versionDirs, sysPath };
}

/** The alembic.ini at or above `from` whose version folders hold `from` (or any, when `from` is a project folder). */
export function findAlembicProject(from: string): AlembicProject | undefined {
  let dir = resolve(from);
  for (;;) {
    const ini = join(dir, 'alembic.ini');
    if (existsSync(ini)) {
      const project = readAlembicIni(ini);
      if (project && (dir === resolve(from) || project.versionDirs.some((v) => resolve(from).startsWith(v)))) return project;
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
