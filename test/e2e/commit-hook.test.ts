// End to end: `rollsafe init` in a real git repo, then `git commit` refused or accepted by the hook.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createInvoicesSafe,
  createInvoicesUnsafe,
  createKnexProject,
  invoicesMigration,
  packageJson,
  type Project,
} from './project.js';

const projects: Project[] = [];
function project(options?: Parameters<typeof createKnexProject>[0]): Project {
  const created = createKnexProject(options);
  projects.push(created);
  return created;
}
afterEach(() => {
  for (const created of projects.splice(0)) created.cleanup();
});

/** Sets up the hook the way a user does, and checks that the command itself succeeded. */
function initialise(repo: Project, ...args: string[]): string {
  const result = repo.rollsafe('init', ...args);
  expect(result.output).not.toMatch(/internal error/);
  expect(result.status).toBe(0);
  return result.output;
}

/** A refused commit: the hook failed, HEAD did not move, and the output names the migration and the missing down. */
function expectRefused(repo: Project, headBefore: string, result: { status: number; output: string }): void {
  expect(result.status, result.output).not.toBe(0);
  expect(repo.head()).toBe(headBefore);
  expect(result.output).toContain('20240315093000_create_invoices.js');
  expect(result.output).toContain('require-down');
}

function expectAccepted(repo: Project, headBefore: string, result: { status: number; output: string }): void {
  expect(result.status, result.output).toBe(0);
  expect(repo.head()).not.toBe(headBefore);
  expect(repo.git('show', '--name-only', '--format=', 'HEAD').trim()).toBe(invoicesMigration);
}

for (const hook of ['husky', 'plain'] as const) {
  const args = hook === 'husky' ? [] : ['--hook', 'plain'];

  describe(`with the ${hook} hook`, () => {
    it('(a) refuses a commit staging a migration with an unguarded createTable and no down', () => {
      const repo = project();
      initialise(repo, ...args);
      repo.write(invoicesMigration, createInvoicesUnsafe);
      repo.git('add', invoicesMigration);
      const head = repo.head();
      expectRefused(repo, head, repo.commit('invoices'));
      // the refused migration is still staged, ready to be fixed
      expect(repo.git('diff', '--cached', '--name-only').trim()).toBe(invoicesMigration);
    });

    it('(b) accepts a commit staging a guarded, reversible migration', () => {
      const repo = project();
      initialise(repo, ...args);
      repo.write(invoicesMigration, createInvoicesSafe);
      repo.git('add', invoicesMigration);
      const head = repo.head();
      expectAccepted(repo, head, repo.commit('invoices'));
    });

    it('(c) checks the staged version of a partially staged migration, not the fixed working copy', () => {
      const repo = project();
      initialise(repo, ...args);
      repo.write(invoicesMigration, createInvoicesUnsafe);
      repo.git('add', invoicesMigration);
      repo.write(invoicesMigration, createInvoicesSafe); // fixed, but the fix is not staged
      const head = repo.head();
      expectRefused(repo, head, repo.commit('invoices'));
      // the unstaged fix survives the hook, and the index still holds the unsafe version
      expect(repo.read(invoicesMigration)).toBe(createInvoicesSafe);
      expect(repo.git('show', `:${invoicesMigration}`)).toBe(createInvoicesUnsafe);
      // once the fix is staged the same commit goes through
      repo.git('add', invoicesMigration);
      expectAccepted(repo, head, repo.commit('invoices'));
    });

    it('(d) running init twice leaves the repository byte-identical', () => {
      const repo = project();
      initialise(repo, ...args);
      const once = repo.snapshot();
      initialise(repo, ...args);
      expect(repo.snapshot()).toEqual(once);
    });
  });
}

describe('(e) what the project already had survives init', () => {
  it('husky: an existing .husky/pre-commit still runs, and existing lint-staged tasks are untouched', () => {
    const repo = project({
      packageJson: {
        ...packageJson,
        scripts: { ...packageJson.scripts, prepare: 'husky' },
        devDependencies: { husky: '^9.1.7', 'lint-staged': '^16.4.0', prettier: '^3.3.0' },
        'lint-staged': { '*.{json,md}': 'prettier --check' },
      },
    });
    const existingHook = '# keep .env.example in step with the settings the app reads\nnode scripts/check-env-example.cjs\n';
    repo.write('.husky/pre-commit', existingHook);
    repo.write('scripts/check-env-example.cjs', "require('node:fs').appendFileSync('.git/env-example-checked', 'yes\\n');\n");
    repo.git('add', '.husky/pre-commit', 'scripts/check-env-example.cjs', 'package.json');
    repo.git('commit', '-q', '-m', 'existing hook');

    initialise(repo);

    const manifest = JSON.parse(repo.read('package.json'));
    expect(manifest['lint-staged']).toEqual({ '*.{json,md}': 'prettier --check' });
    expect(manifest.scripts.prepare).toBe('husky');
    expect(manifest.devDependencies.prettier).toBe('^3.3.0');
    expect(repo.read('.husky/pre-commit')).toBe(`${existingHook}rollsafe lint --staged\n`);

    // the existing hook line still runs on commit
    repo.write('migrations/README', 'Migrations run in file-name order; never edit one that has shipped.\n');
    repo.git('add', 'migrations/README');
    const result = repo.commit('document migrations');
    expect(result.status, result.output).toBe(0);
    expect(repo.read('.git/env-example-checked')).toBe('yes\n');
  });

  it('husky: a .lintstagedrc.json is left byte for byte as it was', () => {
    const repo = project();
    repo.write('.lintstagedrc.json', '{\n    "*.ts": ["eslint --fix"]\n}\n');
    initialise(repo);
    expect(repo.read('.lintstagedrc.json')).toBe('{\n    "*.ts": ["eslint --fix"]\n}\n');
    expect(JSON.parse(repo.read('package.json'))['lint-staged']).toBeUndefined();
  });

  it('plain: an existing .git/hooks/pre-commit is chained and still runs', () => {
    const repo = project();
    repo.write('.git/hooks/pre-commit', '#!/bin/sh\necho "legacy hook ran" >> .git/legacy-hook.log\n');
    repo.run('chmod', ['+x', '.git/hooks/pre-commit']);
    initialise(repo, '--hook', 'plain');
    expect(repo.git('config', 'core.hooksPath').trim()).toBe('.githooks');

    repo.write(invoicesMigration, createInvoicesSafe);
    repo.git('add', invoicesMigration);
    const head = repo.head();
    expectAccepted(repo, head, repo.commit('invoices'));
    expect(repo.read('.git/legacy-hook.log')).toBe('legacy hook ran\n');
  });

  it('plain: ROLLSAFE=0 skips the hook for one commit', () => {
    const repo = project();
    initialise(repo, '--hook', 'plain');
    repo.write(invoicesMigration, createInvoicesUnsafe);
    repo.git('add', invoicesMigration);
    const result = repo.run('git', ['commit', '-m', 'invoices, checked later'], { ROLLSAFE: '0' });
    expect(result.status, result.output).toBe(0);
  });
});
