import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changedSince, materialiseStaged, matchesStaged, mayBeMigration, stagedChanges, stagedContent, stagedFiles } from './staged.js';

let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
}

function write(relative: string, content: string): string {
  const file = path.join(repo, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

const createUsers = `exports.up = (knex) => knex.schema.createTable('users', (t) => { t.increments('id'); });
exports.down = (knex) => knex.schema.dropTable('users');
`;
const addEmail = `exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.string('email'); });
exports.down = (knex) => knex.schema.alterTable('users', (t) => { t.dropColumn('email'); });
`;
const addEmailGuarded = `exports.up = async (knex) => {
  if (!(await knex.schema.hasColumn('users', 'email'))) await knex.schema.alterTable('users', (t) => { t.string('email'); });
};
exports.down = (knex) => knex.schema.alterTable('users', (t) => { t.dropColumn('email'); });
`;

beforeEach(() => {
  repo = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'rollsafe-staged-')));
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Ada Tester');
  git('config', 'user.email', 'ada@example.com');
  git('config', 'commit.gpgsign', 'false');
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('stagedChanges', () => {
  it('reports deletions and renames (with where from and how similar) besides additions, from the repo root', async () => {
    write('migrations/001_create_users.js', createUsers);
    write('migrations/002_add_email.js', addEmail);
    write('migrations/003_dropped.js', addEmailGuarded);
    git('add', '.');
    git('commit', '-q', '-m', 'initial');
    git('mv', 'migrations/002_add_email.js', 'migrations/004_add_email.js');
    git('rm', '-q', 'migrations/003_dropped.js');
    write('README.md', '# shop\n');
    git('add', 'README.md');
    const changes = await stagedChanges(path.join(repo, 'migrations'));
    const at = (relative: string) => path.join(repo, relative);
    expect(changes).toEqual([
      { status: 'A', path: at('README.md') },
      { status: 'D', path: at('migrations/003_dropped.js') },
      { status: 'R', path: at('migrations/004_add_email.js'), from: at('migrations/002_add_email.js'), similarity: 100 },
    ]);
  });

  it('mayBeMigration: code, SQL and Python files, not docs or data', () => {
    for (const file of ['m/1.js', 'm/1.ts', 'm/1.cjs', 'm/1.mts', 'db/1.up.sql', 'versions/ab12.py']) expect(mayBeMigration(file), file).toBe(true);
    for (const file of ['README.md', 'package.json', 'data/seed.csv', 'logo.png', 'migrations/README']) expect(mayBeMigration(file), file).toBe(false);
  });
});

describe('stagedFiles', () => {
  it('lists added, modified and renamed files as absolute paths, and leaves deleted and unstaged ones out', async () => {
    write('migrations/001_create_users.js', createUsers);
    write('migrations/002_old_name.js', addEmail);
    write('migrations/003_dropped.js', addEmail);
    write('README.md', '# shop\n');
    git('add', '.');
    git('commit', '-q', '-m', 'initial');

    write('migrations/001_create_users.js', createUsers + '// touched\n');
    git('mv', 'migrations/002_old_name.js', 'migrations/002_add_email.js');
    git('rm', '-q', 'migrations/003_dropped.js');
    write('migrations/004_new.js', addEmail);
    write('README.md', '# shop, unstaged edit\n');
    git('add', 'migrations/001_create_users.js', 'migrations/004_new.js');

    const files = await stagedFiles(repo);
    expect(files.sort()).toEqual(
      ['migrations/001_create_users.js', 'migrations/002_add_email.js', 'migrations/004_new.js'].map((f) =>
        path.join(repo, f),
      ),
    );
  });

  it('works from a subfolder and before the first commit, with paths from the repo root', async () => {
    write('api/migrations/001_create_users.js', createUsers);
    write('web/index.html', '<h1>shop</h1>\n');
    git('add', '.');
    const files = await stagedFiles(path.join(repo, 'api'));
    expect(files.sort()).toEqual([path.join(repo, 'api/migrations/001_create_users.js'), path.join(repo, 'web/index.html')]);
  });

  it('keeps unusual file names intact', async () => {
    write('db/migrations/002 add "email" ü.js', addEmail);
    git('add', '.');
    expect(await stagedFiles(repo)).toEqual([path.join(repo, 'db/migrations/002 add "email" ü.js')]);
  });
});

describe('stagedContent', () => {
  it('returns what will be committed, not the working copy', async () => {
    const file = write('migrations/002_add_email.js', addEmail);
    git('add', '.');
    writeFileSync(file, addEmailGuarded);
    expect(await stagedContent(repo, file)).toBe(addEmail);
    expect(await stagedContent(path.join(repo, 'migrations'), '002_add_email.js')).toBe(addEmail);
    expect(await matchesStaged(repo, file)).toBe(false);
    git('add', '.');
    expect(await matchesStaged(repo, file)).toBe(true);
  });
});

describe('materialiseStaged', () => {
  it('writes the staged folder next to the original when the working copy differs, and removes it on cleanup', async () => {
    write('migrations/001_create_users.js', createUsers);
    git('add', '.');
    git('commit', '-q', '-m', 'initial');
    const file = write('migrations/002_add_email.js', addEmail);
    git('add', '.');
    writeFileSync(file, addEmailGuarded); // the guard is not staged: the commit would carry the unguarded version
    write('migrations/003_wip.js', addEmail); // untracked: not part of the commit

    const copies = await materialiseStaged(repo, [file]);
    const copy = copies.paths.get(file)!;
    expect(copy).not.toBe(file);
    expect(path.dirname(path.dirname(copy))).toBe(repo); // a sibling of migrations/, same depth
    expect(readFileSync(copy, 'utf8')).toBe(addEmail);
    expect(readdirSync(path.dirname(copy)).sort()).toEqual(['001_create_users.js', '002_add_email.js']);
    expect(readFileSync(file, 'utf8')).toBe(addEmailGuarded);

    await copies.cleanup();
    expect(existsSync(path.dirname(copy))).toBe(false);
    expect(readdirSync(path.join(repo, 'migrations')).sort()).toEqual([
      '001_create_users.js',
      '002_add_email.js',
      '003_wip.js',
    ]);
  });

  it('uses the working copy itself when the folder matches the index', async () => {
    const file = write('migrations/001_create_users.js', createUsers);
    git('add', '.');
    const copies = await materialiseStaged(repo, [file]);
    expect(copies.paths.get(file)).toBe(file);
    await copies.cleanup();
    expect(existsSync(file)).toBe(true);
  });

  it('copies the whole migration set folder when told where it starts', async () => {
    write('db/migrations/2024/001_create_users.js', createUsers);
    const file = write('db/migrations/2025/002_add_email.js', addEmail);
    git('add', '.');
    writeFileSync(file, addEmailGuarded);
    const setDir = path.join(repo, 'db/migrations');
    const copies = await materialiseStaged(repo, [file], () => setDir);
    const copy = copies.paths.get(file)!;
    expect(path.relative(path.dirname(path.dirname(path.dirname(copy))), copy)).toMatch(/^\.rollsafe-staged-migrations-[0-9a-f]+/);
    expect(readFileSync(copy, 'utf8')).toBe(addEmail);
    expect(readFileSync(path.join(path.dirname(path.dirname(copy)), '2024/001_create_users.js'), 'utf8')).toBe(createUsers);
    await copies.cleanup();
  });
});

describe('changedSince', () => {
  it('lists files changed on the branch plus staged, unstaged and untracked changes, without deletions', async () => {
    write('migrations/001_create_users.js', createUsers);
    write('migrations/009_obsolete.js', addEmail);
    git('add', '.');
    git('commit', '-q', '-m', 'initial');
    git('checkout', '-q', '-b', 'feature');
    write('migrations/002_add_email.js', addEmail);
    git('rm', '-q', 'migrations/009_obsolete.js');
    git('add', '.');
    git('commit', '-q', '-m', 'add email');
    write('migrations/001_create_users.js', createUsers + '// unstaged\n');
    write('migrations/003_staged.js', addEmail);
    git('add', 'migrations/003_staged.js');
    write('migrations/004_untracked.js', addEmail);

    expect(await changedSince(repo, 'main')).toEqual(
      ['001_create_users.js', '002_add_email.js', '003_staged.js', '004_untracked.js'].map((f) =>
        path.join(repo, 'migrations', f),
      ),
    );
  });
});
