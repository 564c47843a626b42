import { relative, sep } from 'node:path';

/** A glob as config's `ignore` writes it (`**`, `*`, `?`), relative to the project, as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*' && glob[i + 1] === '*') {
      // `**/` matches any depth, including none.
      pattern += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`);
}

/** Whether `path` is left out by one of the `ignore` globs (relative to `cwd`). */
export function isIgnored(path: string, cwd: string, globs: string[] = []): boolean {
  if (globs.length === 0) return false;
  const rel = relative(cwd, path).split(sep).join('/');
  return globs.some((glob) => globToRegExp(glob.replace(/^\.\//, '')).test(rel));
}
