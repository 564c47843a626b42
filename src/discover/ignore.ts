import { relative, sep } from 'node:path';
import picomatch from 'picomatch';

/**
 * Whether `path` is left out by one of the `ignore` globs (relative to `cwd`). picomatch, as
 * lint-staged uses: braces (`*.{js,ts}`, which `rollsafe init` writes), classes and extglobs work.
 */
export function isIgnored(path: string, cwd: string, globs: string[] = []): boolean {
  if (globs.length === 0) return false;
  const rel = relative(cwd, path).split(sep).join('/');
  return picomatch(globs.map((glob) => glob.replace(/^\.\//, '')), { dot: true })(rel);
}
