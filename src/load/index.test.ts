import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { callerIn, importMigration, MigrationLoadError, requireFromProject } from './index.js';

/** A project with a tsconfig `paths` alias, as ESM (`type: module`) or CJS. */
function project(type: 'module' | 'commonjs', files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), `rollsafe-load-${type}-`));
  mkdirSync(join(dir, 'src/db'), { recursive: true });
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', type }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@db/*': ['src/db/*'] } } }));
  writeFileSync(join(dir, 'src/db/tables.ts'), "export const customers: string = 'customers';\n");
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, 'migrations', name), source);
  return dir;
}

const usesAlias = `import { customers } from '@db/tables';

interface Schema { createTable(name: string): Promise<void> }

export async function up(schema: Schema): Promise<string> {
  await schema.createTable(customers);
  return whereAmI();
}
`;

describe('importMigration', () => {
  for (const type of ['module', 'commonjs'] as const) {
    it(`loads a TS migration through tsconfig paths, with TS lines (${type})`, async () => {
      const dir = project(type, { '001_customers.ts': usesAlias });
      const file = join(dir, 'migrations/001_customers.ts');
      const exports = await importMigration(file, dir);
      const seen: string[] = [];
      // the migration's call site is located on its TS line, not the transpiled one
      (globalThis as Record<string, unknown>).whereAmI = () => callerIn(file);
      const where = await (exports.up as (s: unknown) => Promise<unknown>)({ createTable: async (n: string) => void seen.push(n) });
      expect(seen).toEqual(['customers']);
      expect(where).toMatchObject({ file, line: 7 });
    });
  }

  it('flattens CJS module.exports and default-exported objects', async () => {
    const dir = project('commonjs', {
      '001.js': 'module.exports = { up: async () => 1, down: async () => 2 };\n',
      '002.mjs': 'export default { up: async () => 3, config: { transaction: false } };\n',
    });
    const cjs = await importMigration(join(dir, 'migrations/001.js'), dir);
    const esm = await importMigration(join(dir, 'migrations/002.mjs'), dir);
    expect(typeof cjs.up).toBe('function');
    expect(typeof cjs.down).toBe('function');
    expect(typeof esm.up).toBe('function');
    expect(esm.config).toEqual({ transaction: false });
  });

  it('reports a syntax error with its file and line', async () => {
    const dir = project('module', { '001.ts': 'export async function up(knex) {\n  await knex.schema.createTable("a", (t) => {\n    t.increments("id"\n  });\n}\n' });
    const error = await importMigration(join(dir, 'migrations/001.ts'), dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationLoadError);
    expect((error as MigrationLoadError).message).toMatch(/syntax error/);
    expect((error as MigrationLoadError).loc).toMatchObject({ line: 4 });
  });

  it('names the missing module and the file that imports it', async () => {
    const dir = project('module', { '001.ts': "import { v4 } from 'uuid-not-installed';\nexport const up = () => v4();\n" });
    const error = (await importMigration(join(dir, 'migrations/001.ts'), dir).catch((e: unknown) => e)) as MigrationLoadError;
    expect(error.message).toBe(`cannot find module 'uuid-not-installed' imported from ${join(dir, 'migrations/001.ts')}`);
    expect(error.loc?.line).toBe(1);
  });

  it('reports what a migration throws while it loads', async () => {
    const dir = project('commonjs', { '001.js': "throw new Error('set DATABASE_URL first');\n" });
    const error = (await importMigration(join(dir, 'migrations/001.js'), dir).catch((e: unknown) => e)) as MigrationLoadError;
    expect(error.message).toMatch(/threw while loading: set DATABASE_URL first/);
  });
});

describe('requireFromProject', () => {
  it("resolves the project's own knex and node-pg-migrate", async () => {
    const knex = await requireFromProject<{ (c: unknown): unknown; Client: unknown }>('knex', '/work/main');
    expect(typeof knex).toBe('function');
    const npm = await requireFromProject<{ MigrationBuilder: unknown }>('node-pg-migrate', '/work/main');
    expect(typeof npm.MigrationBuilder).toBe('function');
  });

  it('says which package is missing from the project', async () => {
    const dir = project('commonjs', {});
    await expect(requireFromProject('sequelize-not-here', dir)).rejects.toThrow(/sequelize-not-here is not installed in/);
  });
});

describe('importMigration across runs', () => {
  /** tsx's transform cache, where it keeps each file it compiled with esbuild. */
  const tsxCache = join(tmpdir(), `tsx-${userInfo().uid}`);
  const compilationsOf = (token: string) =>
    existsSync(tsxCache)
      ? readdirSync(tsxCache, { withFileTypes: true })
          // tsx also keeps IPC pipes there
          .filter((entry) => entry.isFile() && readFileSync(join(tsxCache, entry.name), 'utf8').includes(token)).length
      : 0;

  for (const type of ['module', 'commonjs'] as const) {
    it(`compiles a TS migration once, not again on the next run (${type})`, () => {
      const token = `marker_${randomUUID().replace(/-/g, '')}`;
      const dir = project(type, { '001_token.ts': `export const up = async (): Promise<string> => '${token}';\n` });
      const runner = join(dir, 'runner.mts');
      const load = pathToFileURL(join(import.meta.dirname, 'index.ts')).href;
      writeFileSync(
        runner,
        `import { importMigration } from ${JSON.stringify(load)};\n` +
          `const loaded = await importMigration(${JSON.stringify(join(dir, 'migrations/001_token.ts'))}, ${JSON.stringify(dir)});\n` +
          `console.log(await loaded.up());\n`,
      );
      // Each run is a fresh process, as each commit's hook is.
      for (let run = 1; run <= 2; run++) {
        const child = spawnSync(process.execPath, ['--import', 'tsx', runner], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8' });
        expect(child.stdout.trim(), child.stderr).toBe(token);
        expect(compilationsOf(token)).toBe(1);
      }
    });
  }
});
