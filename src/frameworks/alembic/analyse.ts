// The static model of Alembic revisions, read by Python's own `ast` (python/rollsafe_alembic.py
// `read`): one python process for every revision of the set, whichever file is asked for first.
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Comment, directivesIn, parseDirectives } from '../../directives.js';
import { analyseSql } from '../../sql/analyse.js';
import { withPlaceholdersShown } from '../ts-source.js';
import type { Direction, MigrationModel, Operation, SourceLocation } from '../../types.js';
import { findAlembicProject, headsOf, readRevisions, versionDirsOf } from './discover.js';
import { pythonOptions, runHelper } from './python.js';

/** What the helper's `read` answers (see read_file in the helper). */
export interface ReadReply {
  alembic: { version: string | null; params: Record<string, string[]> };
  files: Record<string, FileReading>;
}

interface FileReading {
  parseError?: { message: string; line: number; column: number };
  functions?: Partial<Record<Direction, { line: number; column: number; empty: boolean }>>;
  operations?: {
    direction: Direction;
    call: string;
    name: string;
    target: string | null;
    guarded: boolean;
    loc: { line: number; column: number };
  }[];
  /** `placeholders`: an f-string's `{…}` that named no constant, each as the placeholder standing in for it. */
  /** `guarded`: the op.execute sits under an existence check, which guards every statement it runs. */
  sql?: { direction: Direction; sql: string; line: number; column: number; placeholders?: Record<string, string>; guarded?: boolean }[];
  /** Reads the database (op.get_bind(), an inspector): cannot be rendered offline. */
  live?: boolean;
  /** Has an autocommit_block: part of it runs outside the revision's transaction. */
  autocommit?: boolean;
  /** Every `#` comment, from Python's tokenizer (column in code points); null when it could not tokenize. */
  comments?: { line: number; column: number; text: string }[] | null;
  vars?: Record<string, { value: string[]; line: number }>;
}

// Keyed by the files and their modification times: a second lint of an unchanged set reads nothing again.
const readings = new Map<string, Promise<ReadReply>>();

/** The helper's reading of `path` and of every revision beside it, in one python process. */
export async function readRevisionFiles(path: string): Promise<{ reply: ReadReply; reading: FileReading }> {
  const dir = dirname(path);
  const dirs = versionDirsOf(dir);
  const files = [...new Set([path, ...readRevisions(dirs).map((r) => r.path)])].sort();
  const stamps = await Promise.all(files.map(async (file) => `${file}:${(await stat(file).catch(() => undefined))?.mtimeMs}`));
  const key = stamps.join('\n');
  let reply = readings.get(key);
  if (!reply) {
    const project = findAlembicProject(dir);
    const cwd = project?.dir ?? dir;
    reply = runHelper<ReadReply>('read', { files }, pythonOptions(cwd, project?.sysPath ?? []));
    readings.set(key, reply);
    reply.catch(() => readings.delete(key));
  }
  const answered = await reply;
  return { reply: answered, reading: answered.files[path] };
}

const guardKeyword: Record<string, 'if_not_exists' | 'if_exists'> = {
  create_table: 'if_not_exists',
  create_index: 'if_not_exists',
  add_column: 'if_not_exists',
  drop_table: 'if_exists',
  drop_index: 'if_exists',
  drop_constraint: 'if_exists',
  drop_column: 'if_exists',
};

/** The existence check that guards an operation, written the way Alembic revisions write it. */
function existenceCheck(name: string, target: string | undefined): string {
  const [table, column] = (target ?? 'the_table').split('.');
  const inspector = 'sa.inspect(op.get_bind())';
  if (name === 'add_column') return `if "${column ?? 'col'}" not in [c["name"] for c in ${inspector}.get_columns("${table}")]:`;
  if (name === 'drop_column') return `if "${column ?? 'col'}" in [c["name"] for c in ${inspector}.get_columns("${table}")]:`;
  if (name === 'create_table') return `if not ${inspector}.has_table("${table}"):`;
  if (name === 'drop_table') return `if ${inspector}.has_table("${table}"):`;
  if (name === 'create_index') return `if "${table}" not in [i["name"] for i in ${inspector}.get_indexes("<table>")]:`;
  if (name === 'drop_index') return `if "${table}" in [i["name"] for i in ${inspector}.get_indexes("<table>")]:`;
  return `an inspector check such as ${inspector}.get_unique_constraints("<table>")`;
}

/** The guard the installed Alembic supports: its keyword when the signature has it, else an existence check. */
export function guardFix(call: string, name: string, target: string | undefined, alembic: ReadReply['alembic']): string {
  const keyword = guardKeyword[name];
  const accepted = alembic.params[name];
  if (accepted?.includes(keyword)) return `pass ${keyword}=True to ${call} (Alembic ${alembic.version} accepts it)`;
  const why = alembic.version ? ` (Alembic ${alembic.version}'s ${call} has no ${keyword})` : '';
  return `wrap it in \`${existenceCheck(name, target)}\`${why}`;
}

export async function analyseAlembicRevision(path: string): Promise<MigrationModel> {
  const source = await readFile(path, 'utf8');
  const top: SourceLocation = { file: path, line: 1, column: 1 };
  const model: MigrationModel = {
    file: path,
    framework: 'alembic',
    down: { status: 'missing', empty: false, loc: top },
    transactional: true,
    operations: [],
    directives: parseDirectives(source, path, 'python'),
  };
  let reply: ReadReply;
  let reading: FileReading | undefined;
  try {
    ({ reply, reading } = await readRevisionFiles(path));
  } catch (error) {
    model.parseError = { message: error instanceof Error ? error.message : String(error), loc: top };
    return model;
  }
  if (!reading || reading.parseError) {
    const problem = reading?.parseError ?? { message: 'the Alembic helper did not read this file', line: 1, column: 1 };
    model.parseError = { message: problem.message, loc: { file: path, line: problem.line, column: problem.column } };
    return model;
  }
  if (reading.comments) model.directives = directivesIn(source, path, pythonComments(source, reading.comments));
  const at = (loc: { line: number; column: number }): SourceLocation => ({ file: path, line: loc.line, column: loc.column });
  const up = reading.functions?.up;
  const down = reading.functions?.down;
  if (up) model.up = at(up);
  if (down) {
    // A merge revision, or any revision whose upgrade does nothing, rightly has nothing to undo.
    model.down = { status: 'present', empty: down.empty && !(up?.empty ?? true), loc: at(down) };
  }
  const operations: Operation[] = (reading.operations ?? []).map((op) => ({
    direction: op.direction,
    kind: op.call,
    ...(op.target ? { target: op.target } : {}),
    needsGuard: true,
    guarded: op.guarded,
    fix: guardFix(op.call, op.name, op.target ?? undefined, reply.alembic),
    loc: at(op.loc),
  }));
  let transactional = !reading.autocommit;
  for (const piece of reading.sql ?? []) {
    const analysis = await analyseSql(piece.sql, { file: path, direction: piece.direction, baseLine: piece.line, baseColumn: piece.column });
    const show = (text: string | undefined) => (text === undefined ? undefined : withPlaceholdersShown(text, piece.placeholders));
    const shown = analysis.operations.map((o) => (piece.placeholders ? { ...o, kind: show(o.kind)!, target: show(o.target), fix: show(o.fix) } : o));
    operations.push(...shown.map((o) => (piece.guarded ? { ...o, guarded: true } : o)));
    transactional &&= analysis.transactional;
    if (analysis.parseError && !model.parseError) model.parseError = analysis.parseError;
  }
  model.operations = operations.sort((a, b) => a.loc.line - b.loc.line || a.loc.column - b.loc.column);
  model.transactional = transactional;

  const revisions = readRevisions(versionDirsOf(dirname(path)));
  const heads = headsOf(revisions);
  const own = heads.find((head) => head.path === path);
  if (heads.length > 1 && own) {
    model.heads = { revisions: heads.map((head) => head.revision), loc: { file: path, line: own.downRevisionLine, column: 1 } };
  }
  return model;
}

/** Python's comment tokens as string ranges of `source` (Python counts code points, JavaScript UTF-16 units). */
function pythonComments(source: string, tokens: NonNullable<FileReading['comments']>): Comment[] {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineStarts.push(i + 1);
  return tokens.map(({ line, column, text }) => {
    const lineStart = lineStarts[line - 1] ?? 0;
    const start = lineStart + [...source.slice(lineStart).slice(0, column * 2)].slice(0, column).join('').length;
    return { start, end: start + text.length, body: text.slice(1) };
  });
}
