// What git is about to commit: the staged paths, their staged content, and a way to lint that
// content rather than the working copy (a partially staged migration is checked as committed).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs git in `cwd` and returns its stdout as a Buffer (paths and blobs are not always UTF-8-safe to split). */
async function git(cwd: string, args: string[]): Promise<Buffer> {
  const { stdout } = await execFileAsync('git', args, {
    cwd,
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** Splits `-z` output into entries, dropping the trailing empty one. */
function splitNul(output: Buffer): string[] {
  return output.toString('utf8').split('\0').filter((entry) => entry !== '');
}

/** Absolute path of the work tree's top folder, whichever subfolder `cwd` is. */
export async function repoRoot(cwd: string): Promise<string> {
  return (await git(cwd, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
}

/** Git paths are relative to the repo root with forward slashes; this turns them into absolute paths. */
function toAbsolute(root: string, gitPath: string): string {
  return path.join(root, ...gitPath.split('/'));
}

function toGitPath(root: string, absolute: string): string {
  return path.relative(root, path.resolve(absolute)).split(path.sep).join('/');
}

/** Absolute paths of the files staged for commit: added, copied, modified or renamed, never deleted. */
export async function stagedFiles(cwd: string): Promise<string[]> {
  const root = await repoRoot(cwd);
  // --relative is not used: paths are always from the root, so a subfolder cwd sees the whole commit.
  const output = await git(root, ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR']);
  return splitNul(output).map((gitPath) => toAbsolute(root, gitPath));
}

/** One entry of what the commit changes, as `git diff --cached --name-status -M` says it. */
export interface StagedChange {
  /** A added, C copied, D deleted, M modified, R renamed, T type changed. */
  status: string;
  /** Absolute path in the commit (for D, the path that goes away). */
  path: string;
  /** R and C: the absolute path it came from. */
  from?: string;
  /** R and C: how similar the two are, 0-100 (100: same content). */
  similarity?: number;
}

/** Extensions any supported framework reads migrations from: a commit touching none of them holds no migration. */
export function mayBeMigration(file: string): boolean {
  return /\.(?:[cm]?[jt]s|sql|py)$/.test(file);
}

/** Everything the commit changes, deletions and renames included, read in one git call. */
export async function stagedChanges(cwd: string): Promise<StagedChange[]> {
  const root = await repoRoot(cwd);
  const fields = splitNul(await git(root, ['diff', '--cached', '--name-status', '-z', '-M', '--no-ext-diff']));
  const changes: StagedChange[] = [];
  for (let i = 0; i < fields.length; ) {
    const code = fields[i++]!;
    const status = code[0]!;
    if (status === 'R' || status === 'C') {
      const from = toAbsolute(root, fields[i++]!);
      changes.push({ status, path: toAbsolute(root, fields[i++]!), from, similarity: Number(code.slice(1)) });
    } else changes.push({ status, path: toAbsolute(root, fields[i++]!) });
  }
  return changes;
}

/** The content of `file` as staged (`git show :path`), which may differ from the working copy. */
export async function stagedContent(cwd: string, file: string): Promise<string> {
  const root = await repoRoot(cwd);
  const absolute = path.resolve(cwd, file);
  return (await git(root, ['show', `:${toGitPath(root, absolute)}`])).toString('utf8');
}

/**
 * Absolute paths of files changed between `ref` and HEAD (`ref...HEAD`, as a pull request sees them),
 * plus staged, unstaged and untracked changes in the working tree. Deleted files are left out.
 */
export async function changedSince(cwd: string, ref: string): Promise<string[]> {
  const root = await repoRoot(cwd);
  const [committed, uncommitted, untracked] = await Promise.all([
    git(root, ['diff', '--name-only', '-z', '--diff-filter=ACMR', `${ref}...HEAD`, '--']),
    git(root, ['diff', '--name-only', '-z', '--diff-filter=ACMR', 'HEAD', '--']),
    git(root, ['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  const paths = new Set([...splitNul(committed), ...splitNul(uncommitted), ...splitNul(untracked)]);
  return [...paths].sort().map((gitPath) => toAbsolute(root, gitPath));
}

/** Staged copies of some files, and how to remove them once linted. */
export interface StagedCopies {
  /** Original absolute path -> path of the file to lint (the original when its folder is unchanged). */
  paths: Map<string, string>;
  cleanup(): Promise<void>;
}

/**
 * For each folder holding one of `files` (by default its parent; pass the migration set's dir),
 * writes the folder as staged (the index) to a hidden sibling folder when the working copy differs
 * from the index, so the set replays as it will be committed. The sibling sits at the same depth
 * so that relative imports (`../lib/db`) and node_modules resolve as they do from the original.
 */
export async function materialiseStaged(
  cwd: string,
  files: string[],
  folderOf: (file: string) => string = path.dirname,
): Promise<StagedCopies> {
  const root = await repoRoot(cwd);
  const paths = new Map<string, string>();
  const created: string[] = [];
  const byFolder = new Map<string, string[]>();
  for (const file of files.map((f) => path.resolve(cwd, f))) {
    const folder = path.resolve(folderOf(file));
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), file]);
  }

  try {
    for (const [folder, folderFiles] of byFolder) {
      const copy = await stagedFolderCopy(root, folder);
      if (copy) created.push(copy);
      for (const file of folderFiles) {
        paths.set(file, copy ? path.join(copy, path.relative(folder, file)) : file);
      }
    }
  } catch (error) {
    await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
    throw error;
  }

  return {
    paths,
    async cleanup() {
      await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** Writes the index's version of `folder` next to it, or returns undefined when the working copy already matches. */
async function stagedFolderCopy(root: string, folder: string): Promise<string | undefined> {
  const gitFolder = toGitPath(root, folder);
  const pathspec = gitFolder === '' ? '.' : gitFolder;
  const [unstaged, untracked] = await Promise.all([
    git(root, ['diff', '--name-only', '-z', '--', pathspec]),
    git(root, ['ls-files', '--others', '--exclude-standard', '-z', '--', pathspec]),
  ]);
  if (splitNul(unstaged).length === 0 && splitNul(untracked).length === 0) return undefined;

  const copy = path.join(
    path.dirname(folder),
    `.rollsafe-staged-${path.basename(folder)}-${randomBytes(4).toString('hex')}`,
  );
  // `git ls-files --stage` lines: "<mode> <blob> <stage>\t<path>"; the blob is read whole, byte for byte.
  const entries = splitNul(await git(root, ['ls-files', '--stage', '-z', '--', pathspec]));
  await mkdir(copy, { recursive: true });
  for (const entry of entries) {
    const [meta, gitPath] = entry.split('\t') as [string, string];
    const [mode, blob] = meta.split(' ') as [string, string];
    if (mode === '160000') continue; // a submodule has no blob to write
    const target = path.join(copy, path.relative(folder, toAbsolute(root, gitPath)));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, await git(root, ['cat-file', 'blob', blob]));
  }
  return copy;
}

/** True when the working copy of `file` is byte-identical to its staged version. */
export async function matchesStaged(cwd: string, file: string): Promise<boolean> {
  const absolute = path.resolve(cwd, file);
  const [working, staged] = await Promise.all([
    readFile(absolute).catch(() => undefined),
    stagedContent(cwd, absolute).catch(() => undefined),
  ]);
  return working !== undefined && staged !== undefined && working.toString('utf8') === staged;
}
