import { describe, expect, it } from 'vitest';
import { isIgnored } from './ignore.js';

describe('ignore globs', () => {
  const cwd = '/project';
  it.each([
    ['migrations/legacy/*.js', '/project/migrations/legacy/001_init.js', true],
    ['migrations/legacy/*.js', '/project/migrations/legacy/deep/001_init.js', false],
    ['**/20190*', '/project/db/migrations/20190101_init.sql', true],
    ['**/20190*', '/project/db/migrations/20200101_init.sql', false],
    ['./migrations/00?_*.ts', '/project/migrations/001_users.ts', true],
    ['migrations/**', '/project/migrations/a/b/c.ts', true],
    // The brace form `rollsafe init` writes, which a hand-written matcher read as literal braces.
    ['migrations/legacy/*.{js,ts}', '/project/migrations/legacy/001_init.ts', true],
    ['migrations/legacy/*.{js,ts}', '/project/migrations/legacy/001_init.sql', false],
    ['migrations/[0-4]*.sql', '/project/migrations/3_add.sql', true],
    ['migrations/[0-4]*.sql', '/project/migrations/5_add.sql', false],
  ])('%s against %s: %s', (glob, path, ignored) => {
    expect(isIgnored(path, cwd, [glob])).toBe(ignored);
  });

  it('ignores nothing without globs', () => {
    expect(isIgnored('/project/migrations/001.js', cwd)).toBe(false);
  });
});
