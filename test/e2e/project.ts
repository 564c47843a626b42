// A throwaway project per scenario: a real git repo in the OS temp folder, a package.json, a knex
// migrations folder with committed migrations, and node_modules borrowed from this checkout.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const rollsafeRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The CLI as CI runs it (the build, or another build named by ROLLSAFE_E2E_CLI), else the sources through tsx. */
function rollsafeWrapper(): string {
  const built = process.env.ROLLSAFE_E2E_CLI ?? path.join(rollsafeRoot, 'dist', 'src', 'cli.js');
  if (existsSync(built)) return `#!/bin/sh\nexec node ${JSON.stringify(built)} "$@"\n`;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return `#!/bin/sh\nexec node --import ${JSON.stringify(tsx)} ${JSON.stringify(path.join(rollsafeRoot, 'src', 'cli.ts'))} "$@"\n`;
}

/**
 * The environment hooks run in: no CI or HUSKY from the outside, and no global or system git config
 * (a developer's global core.hooksPath would change what init does).
 */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // NODE_ENV=test (set by vitest) switches lint-staged to its JSON event renderer
    if (['HUSKY', 'CI', 'NODE_ENV', 'ROLLSAFE'].includes(key) || /^(GIT_|LINT_STAGED|VITEST)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'), FORCE_COLOR: '0', NO_COLOR: '1' };
}

export interface RunResult {
  status: number;
  /** stdout and stderr together, as a person at the terminal sees them. */
  output: string;
}

export class Project {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  private readonly home: string;

  constructor() {
    this.home = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'rollsafe-e2e-home-')));
    this.dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'rollsafe-e2e-')));
    this.env = isolatedEnv(this.home);
    writeFileSync(path.join(this.home, '.gitconfig'), '');
  }

  run(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): RunResult {
    const result = spawnSync(command, args, { cwd: this.dir, env: { ...this.env, ...extraEnv }, encoding: 'utf8', timeout: 120_000 });
    if (result.error) throw result.error;
    return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
  }

  git(...args: string[]): string {
    const result = this.run('git', args);
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed:\n${result.output}`);
    return result.output;
  }

  rollsafe(...args: string[]): RunResult {
    return this.run(path.join(this.dir, 'node_modules', '.bin', 'rollsafe'), args);
  }

  commit(message: string): RunResult {
    return this.run('git', ['commit', '-m', message]);
  }

  head(): string {
    return this.git('rev-parse', 'HEAD').trim();
  }

  write(relative: string, content: string): void {
    const file = path.join(this.dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  read(relative: string): string {
    return readFileSync(path.join(this.dir, relative), 'utf8');
  }

  exists(relative: string): boolean {
    return existsSync(path.join(this.dir, relative));
  }

  /** Every file of the project (node_modules aside) and the repo's git config, for byte-for-byte comparison. */
  snapshot(): Record<string, string> {
    const files: Record<string, string> = {};
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        const relative = path.relative(this.dir, full);
        if (relative === 'node_modules' || relative === '.git') continue;
        if (entry.isDirectory()) walk(full);
        else files[relative] = readFileSync(full, 'latin1');
      }
    };
    walk(this.dir);
    files['.git/config'] = readFileSync(path.join(this.dir, '.git', 'config'), 'latin1');
    return files;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** This checkout's packages, one symlink each, with a `.bin` of the tools hooks call plus rollsafe itself. */
function linkNodeModules(project: Project): void {
  const source = path.join(rollsafeRoot, 'node_modules');
  const target = path.join(project.dir, 'node_modules');
  mkdirSync(path.join(target, '.bin'), { recursive: true });
  for (const name of readdirSync(source)) {
    if (name === '.bin' || name.startsWith('.')) continue;
    symlinkSync(path.join(source, name), path.join(target, name));
  }
  for (const name of readdirSync(path.join(source, '.bin'))) {
    symlinkSync(path.join(source, '.bin', name), path.join(target, '.bin', name));
  }
  writeFileSync(path.join(target, '.bin', 'rollsafe'), rollsafeWrapper());
  chmodSync(path.join(target, '.bin', 'rollsafe'), 0o755);
}

export const packageJson = {
  name: 'shop-api',
  version: '1.4.0',
  private: true,
  scripts: { migrate: 'knex migrate:latest', rollback: 'knex migrate:rollback' },
  dependencies: { knex: '^3.3.0', pg: '^8.23.1' },
};

export const knexfile = `// Connection comes from the environment; migrations live in ./migrations.
module.exports = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: { directory: './migrations', tableName: 'knex_migrations' },
};
`;

export const createCustomers = `exports.up = async function (knex) {
  if (await knex.schema.hasTable('customers')) return;
  await knex.schema.createTable('customers', (table) => {
    table.increments('id');
    table.string('email', 320).notNullable().unique();
    table.string('name').notNullable();
    table.timestamp('created_at').notNullable().defaultTo(knex.fn.now());
  });
};

exports.down = async function (knex) {
  await knex.schema.dropTableIfExists('customers');
};
`;

export const createOrders = `exports.up = async function (knex) {
  if (await knex.schema.hasTable('orders')) return;
  await knex.schema.createTable('orders', (table) => {
    table.increments('id');
    table.integer('customer_id').notNullable();
    table.string('status', 20).notNullable().defaultTo('pending');
    table.timestamp('placed_at').notNullable().defaultTo(knex.fn.now());
  });
};

exports.down = async function (knex) {
  await knex.schema.dropTableIfExists('orders');
};
`;

/** Not re-runnable (createTable with no existence check) and not reversible (no down). */
export const createInvoicesUnsafe = `exports.up = function (knex) {
  return knex.schema.createTable('invoices', (table) => {
    table.increments('id');
    table.integer('order_id').notNullable();
    table.decimal('total', 10, 2).notNullable();
    table.timestamp('issued_at').notNullable().defaultTo(knex.fn.now());
  });
};
`;

export const createInvoicesSafe = `exports.up = async function (knex) {
  if (await knex.schema.hasTable('invoices')) return;
  await knex.schema.createTable('invoices', (table) => {
    table.increments('id');
    table.integer('order_id').notNullable();
    table.decimal('total', 10, 2).notNullable();
    table.timestamp('issued_at').notNullable().defaultTo(knex.fn.now());
  });
};

exports.down = async function (knex) {
  await knex.schema.dropTableIfExists('invoices');
};
`;

export const invoicesMigration = 'migrations/20240315093000_create_invoices.js';

/** A knex project with two good migrations committed, ready for `rollsafe init`. */
export function createKnexProject(options: { packageJson?: Record<string, unknown> } = {}): Project {
  const project = new Project();
  project.git('init', '-q', '-b', 'main');
  project.git('config', 'user.name', 'Ada Tester');
  project.git('config', 'user.email', 'ada@example.com');
  project.git('config', 'commit.gpgsign', 'false');
  project.write('package.json', JSON.stringify(options.packageJson ?? packageJson, null, 2) + '\n');
  project.write('knexfile.js', knexfile);
  project.write('.gitignore', 'node_modules/\n');
  project.write('migrations/20240110120000_create_customers.js', createCustomers);
  project.write('migrations/20240201080000_create_orders.js', createOrders);
  project.git('add', '.');
  project.git('commit', '-q', '-m', 'customers and orders');
  linkNodeModules(project);
  return project;
}
