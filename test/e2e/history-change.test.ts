// End to end: commits that change the history itself (a migration removed or renamed), the
// ROLLSAFE=0 switch as the CLI honours it, and `rollsafe lint <folder>`.
import { afterEach, describe, expect, it } from 'vitest';
import { createInvoicesUnsafe, createKnexProject, invoicesMigration, type Project } from './project.js';

const projects: Project[] = [];
afterEach(() => {
  for (const created of projects.splice(0)) created.cleanup();
});

const customers = 'migrations/20240110120000_create_customers.js';
const orders = 'migrations/20240201080000_create_orders.js';
const locale = 'migrations/20240301000000_add_customers_locale.js';

/** Depends on create_customers: without that table, alterTable fails. */
const addCustomersLocale = `exports.up = async function (knex) {
  if (await knex.schema.hasColumn('customers', 'locale')) return;
  await knex.schema.alterTable('customers', (table) => {
    table.string('locale', 10).notNullable().defaultTo('en');
  });
};

exports.down = async function (knex) {
  if (!(await knex.schema.hasColumn('customers', 'locale'))) return;
  await knex.schema.alterTable('customers', (table) => {
    table.dropColumn('locale');
  });
};
`;

/** customers, orders, then a migration that alters customers: all committed, the hook set up. */
function historyProject(...initArgs: string[]): Project {
  const repo = createKnexProject();
  projects.push(repo);
  repo.write(locale, addCustomersLocale);
  repo.git('add', locale);
  repo.git('commit', '-q', '-m', 'customers locale');
  const init = repo.rollsafe('init', ...initArgs);
  expect(init.status, init.output).toBe(0);
  repo.git('add', '-A');
  repo.git('commit', '-q', '--no-verify', '-m', 'rollsafe init');
  return repo;
}

function expectRefusedNaming(repo: Project, head: string, result: { status: number; output: string }, ...names: string[]): void {
  expect(result.status, result.output).not.toBe(0);
  expect(repo.head()).toBe(head);
  for (const name of names) expect(result.output).toContain(name);
  // the later migration that broke is said too
  expect(result.output).toContain('20240301000000_add_customers_locale.js');
}

for (const hook of ['husky', 'plain'] as const) {
  const args = hook === 'husky' ? [] : ['--hook', 'plain'];

  describe(`history changes with the ${hook} hook`, () => {
    it('refuses `git rm` of a migration a later one depends on, naming the removed file', () => {
      const repo = historyProject(...args);
      repo.git('rm', '-q', customers);
      const head = repo.head();
      expectRefusedNaming(repo, head, repo.commit('drop the customers migration'), '20240110120000_create_customers.js');
      expect(repo.git('diff', '--cached', '--name-status').trim()).toBe(`D\t${customers}`);
    });

    it('refuses a rename that moves a migration after the ones that depend on it', () => {
      const repo = historyProject(...args);
      const moved = 'migrations/20240401000000_create_customers.js';
      repo.git('mv', customers, moved);
      const head = repo.head();
      expectRefusedNaming(repo, head, repo.commit('reorder'), '20240110120000_create_customers.js', '20240401000000_create_customers.js');
    });

    it('accepts a rename that keeps the order and the content', () => {
      const repo = historyProject(...args);
      repo.git('mv', customers, 'migrations/20240110120000_create_customers_table.js');
      const head = repo.head();
      const result = repo.commit('clearer name');
      expect(result.status, result.output).toBe(0);
      expect(repo.head()).not.toBe(head);
    });
  });
}

describe('history changes, more cases', () => {
  it('accepts removing a migration nothing later depends on', () => {
    const repo = historyProject();
    repo.git('rm', '-q', orders);
    const head = repo.head();
    const result = repo.commit('orders never shipped');
    expect(result.status, result.output).toBe(0);
    expect(repo.head()).not.toBe(head);
  });

  it('checks the index, not the working tree: `git rm --cached` leaves the file on disk and is still refused', () => {
    const repo = historyProject();
    repo.git('rm', '-q', '--cached', customers);
    expect(repo.exists(customers)).toBe(true);
    const head = repo.head();
    expectRefusedNaming(repo, head, repo.commit('untrack customers'), '20240110120000_create_customers.js');
  });

  it('`rollsafe lint --staged` reports the removed file as an error, exit 1', () => {
    const repo = historyProject();
    repo.git('rm', '-q', customers);
    const result = repo.rollsafe('lint', '--staged');
    expect(result.status, result.output).toBe(1);
    expect(result.output).toMatch(/Removing 20240110120000_create_customers\.js breaks the history: without it, 20240301000000_add_customers_locale\.js fails/);
  });
});

describe('ROLLSAFE=0', () => {
  it('is honoured by the CLI itself: one line, exit 0, even with a failing migration staged', () => {
    const repo = historyProject();
    repo.write(invoicesMigration, createInvoicesUnsafe);
    repo.git('add', invoicesMigration);
    const skipped = repo.run(`${repo.dir}/node_modules/.bin/rollsafe`, ['lint', '--staged'], { ROLLSAFE: '0' });
    expect(skipped.status, skipped.output).toBe(0);
    expect(skipped.output.trim()).toBe('rollsafe: skipped (ROLLSAFE=0)');
    // without it the same command fails: the skip is the variable's doing
    expect(repo.rollsafe('lint', '--staged').status).toBe(1);
  });

  it('skips the husky hook, whose script does not test the variable itself', () => {
    const repo = historyProject();
    expect(repo.read('.husky/pre-commit')).not.toContain('ROLLSAFE');
    repo.write(invoicesMigration, createInvoicesUnsafe);
    repo.git('add', invoicesMigration);
    const head = repo.head();
    const result = repo.run('git', ['commit', '-m', 'invoices, checked later'], { ROLLSAFE: '0' });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('rollsafe: skipped (ROLLSAFE=0)');
    expect(repo.head()).not.toBe(head);
  });
});

describe('rollsafe lint <folder>', () => {
  it('lints the migrations in the folder: a failing one fails the run', () => {
    const repo = historyProject();
    repo.write(invoicesMigration, createInvoicesUnsafe);
    for (const folder of ['migrations', 'migrations/']) {
      const result = repo.rollsafe('lint', folder);
      expect(result.status, result.output).toBe(1);
      expect(result.output).toContain('20240315093000_create_invoices.js');
      expect(result.output).toContain('require-down');
    }
  });

  it('lints a clean folder and exits 0 without a "not a migration" warning', () => {
    const repo = historyProject();
    const result = repo.rollsafe('lint', 'migrations');
    expect(result.status, result.output).toBe(0);
    expect(result.output).not.toMatch(/Not a migration/);
  });

  it('says so, exit 2, for a folder that holds no migration set', () => {
    const repo = historyProject();
    repo.write('docs/notes.md', 'nothing to migrate here\n');
    const result = repo.rollsafe('lint', 'docs');
    expect(result.status, result.output).toBe(2);
    expect(result.output.trim()).toMatch(/^rollsafe: docs holds no migrations rollsafe recognises/);
  });
});

describe('lint --staged with no migration staged', () => {
  it('ends before loading anything: a broken rollsafe.config.json does not block a README commit, but does block a migration', () => {
    const repo = historyProject();
    repo.write('rollsafe.config.json', '{ "engine": ');
    repo.write('README.md', '# shop api\n');
    repo.git('add', 'README.md');
    const fast = repo.rollsafe('lint', '--staged');
    expect(fast.status, fast.output).toBe(0);
    expect(fast.output).toBe('');
    // the same command with a migration staged reads the config, and says it is broken
    repo.write(invoicesMigration, createInvoicesUnsafe);
    repo.git('add', invoicesMigration);
    const full = repo.rollsafe('lint', '--staged');
    expect(full.status, full.output).toBe(2);
    expect(full.output).toMatch(/rollsafe\.config\.json/);
  });
});
