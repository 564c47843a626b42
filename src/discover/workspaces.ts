// The packages of a monorepo, as npm/yarn (`workspaces` in package.json) and pnpm
// (pnpm-workspace.yaml) declare them: each package may keep its own migration set and history.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Packages the root's workspace patterns leave out (`!packages/docs`): not part of the monorepo. */
export function excludedWorkspacePackages(rootDir: string): string[] {
  const patterns = [...npmWorkspacePatterns(rootDir), ...pnpmWorkspacePatterns(rootDir)];
  return patterns.filter((pattern) => pattern.startsWith('!')).flatMap((pattern) => expand(rootDir, pattern.slice(1)));
}

/** Absolute paths of the workspace packages declared at `rootDir` (none for a single package). */
export function workspacePackages(rootDir: string): string[] {
  const patterns = [...npmWorkspacePatterns(rootDir), ...pnpmWorkspacePatterns(rootDir)];
  const included = patterns.filter((pattern) => !pattern.startsWith('!'));
  const excluded = new Set(patterns.filter((pattern) => pattern.startsWith('!')).flatMap((pattern) => expand(rootDir, pattern.slice(1))));
  const packages = new Set<string>();
  for (const pattern of included) {
    for (const dir of expand(rootDir, pattern)) {
      if (!excluded.has(dir) && existsSync(join(dir, 'package.json'))) packages.add(dir);
    }
  }
  return [...packages].sort();
}

function npmWorkspacePatterns(rootDir: string): string[] {
  try {
    const pkg = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8'));
    const workspaces = Array.isArray(pkg.workspaces) ? pkg.workspaces : pkg.workspaces?.packages;
    return Array.isArray(workspaces) ? workspaces.filter((w: unknown): w is string => typeof w === 'string') : [];
  } catch {
    return [];
  }
}

/** The `packages:` list of pnpm-workspace.yaml; its format is simple enough not to need a YAML parser. */
function pnpmWorkspacePatterns(rootDir: string): string[] {
  const path = join(rootDir, 'pnpm-workspace.yaml');
  if (!existsSync(path)) return [];
  const patterns: string[] = [];
  let inPackages = false;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      continue;
    }
    if (inPackages) {
      const item = /^\s+-\s*['"]?([^'"#]+?)['"]?\s*(?:#.*)?$/.exec(line);
      if (item) patterns.push(item[1]);
      else if (/^\S/.test(line)) inPackages = false;
    }
  }
  return patterns;
}

/** Folders matching a workspace pattern: literal segments, `*` (one level) and a trailing `**`. */
function expand(rootDir: string, pattern: string): string[] {
  let dirs = [resolve(rootDir)];
  for (const segment of pattern.replace(/\/+$/, '').split('/').filter((s) => s && s !== '.')) {
    const next: string[] = [];
    for (const dir of dirs) {
      if (segment === '**') {
        next.push(dir, ...descendants(dir, 3));
      } else if (segment.includes('*')) {
        const matcher = new RegExp(`^${segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
        next.push(...subdirs(dir).filter((name) => matcher.test(name)).map((name) => join(dir, name)));
      } else if (isDir(join(dir, segment))) {
        next.push(join(dir, segment));
      }
    }
    dirs = next;
  }
  return dirs;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name !== 'node_modules' && !name.startsWith('.') && isDir(join(dir, name)));
  } catch {
    return [];
  }
}

function descendants(dir: string, depth: number): string[] {
  if (depth === 0) return [];
  return subdirs(dir).flatMap((name) => [join(dir, name), ...descendants(join(dir, name), depth - 1)]);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
