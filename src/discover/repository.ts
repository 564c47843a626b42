// The folders and files of a repository that discovery reads: everything but dependencies, build
// output, virtualenvs and hidden folders, within a depth and file budget (a huge checkout still answers).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folders never walked: dependencies, build output, caches and virtualenvs, never migrations of the project. */
export const skippedFolders = new Set(['node_modules', 'dist', 'build', 'vendor', 'target', '__pycache__', 'venv', 'site-packages', 'coverage', 'out']);

export interface RepositoryFiles {
  root: string;
  /** Every folder walked, absolute, the root first. */
  dirs: string[];
  /** Every file found, absolute. */
  files: string[];
  /** The walk stopped at its budget: some folders were not looked at. */
  truncated: boolean;
}

export interface WalkOptions {
  maxDepth?: number;
  maxEntries?: number;
  /** Folders left out with all they hold (a workspace package excluded with `!pattern`). */
  exclude?: Set<string>;
}

export function walkRepository(root: string, options: WalkOptions = {}): RepositoryFiles {
  const { maxDepth = 10, maxEntries = 200_000, exclude = new Set() } = options;
  const found: RepositoryFiles = { root, dirs: [], files: [], truncated: false };
  let entries = 0;
  const visit = (dir: string, depth: number) => {
    found.dirs.push(dir);
    let names: import('node:fs').Dirent[];
    try {
      names = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const subdirs: string[] = [];
    for (const entry of names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (++entries > maxEntries) {
        found.truncated = true;
        return;
      }
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !skippedFolders.has(entry.name) && !exclude.has(path)) subdirs.push(path);
      } else if (entry.isFile()) found.files.push(path);
      else if (entry.isSymbolicLink() && isFile(path)) found.files.push(path);
    }
    if (depth >= maxDepth) {
      if (subdirs.length) found.truncated = true;
      return;
    }
    for (const subdir of subdirs) visit(subdir, depth + 1);
  };
  visit(root, 0);
  return found;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A file's text, or undefined when it is unreadable or too big to be a config or a migration. */
export function readSmallText(path: string, maxBytes = 512 * 1024): string | undefined {
  try {
    if (statSync(path).size > maxBytes) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
