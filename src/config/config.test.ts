import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ruleIds } from '../../rules/index.js';
import { ConfigError, loadConfig } from './index.js';
import { supportedFrameworks } from '../frameworks/index.js';
import { engineNames } from './validate.js';

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), 'rollsafe-config-'));
  mkdirSync(join(project, 'db', 'migrations'), { recursive: true });
  writeFileSync(join(project, 'db', 'schema.sql'), '\\restrict abc\nCREATE TABLE accounts (id int);\n');
});

const writeJson = (name: string, value: unknown) => writeFileSync(join(project, name), JSON.stringify(value, null, 2));

async function configError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const message = (error as ConfigError).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('loadConfig: where the config comes from', () => {
  it('returns nothing set when the project has no config', async () => {
    writeJson('package.json', { name: 'app' });
    expect(await loadConfig(project)).toEqual({});
  });

  it('reads rollsafe.config.json and makes set dirs absolute', async () => {
    writeJson('rollsafe.config.json', {
      $schema: './node_modules/rollsafe/rollsafe.schema.json',
      rules: { 'require-guard': 'warn' },
      sets: [{ dir: 'db/migrations', framework: 'knex' }],
      engine: 'pglite',
      fallback: false,
      timeouts: { migrationMs: 5000 },
      ignore: ['db/migrations/legacy/**'],
    });
    expect(await loadConfig(project)).toEqual({
      $schema: './node_modules/rollsafe/rollsafe.schema.json',
      rules: { 'require-guard': 'warn' },
      sets: [{ dir: join(project, 'db', 'migrations'), framework: 'knex' }],
      engine: 'pglite',
      fallback: false,
      timeouts: { migrationMs: 5000 },
      ignore: ['db/migrations/legacy/**'],
    });
  });

  it('falls back to the "rollsafe" key of package.json', async () => {
    writeJson('package.json', { name: 'app', rollsafe: { engine: 'pg-mem', rules: { 'require-down': 'off' } } });
    expect(await loadConfig(project)).toEqual({ engine: 'pg-mem', rules: { 'require-down': 'off' } });
  });

  it('prefers rollsafe.config.json over package.json', async () => {
    writeJson('package.json', { name: 'app', rollsafe: { engine: 'pg-mem' } });
    writeJson('rollsafe.config.json', { engine: 'pglite' });
    expect((await loadConfig(project)).engine).toBe('pglite');
  });

  it('reads an explicit --config path, with set dirs relative to that file', async () => {
    mkdirSync(join(project, 'config'));
    mkdirSync(join(project, 'config', 'sql'));
    writeJson('config/rollsafe.json', { sets: [{ dir: 'sql', framework: 'golang-migrate' }] });
    writeJson('rollsafe.config.json', { engine: 'pglite' });
    expect(await loadConfig(project, 'config/rollsafe.json')).toEqual({
      sets: [{ dir: join(project, 'config', 'sql'), framework: 'golang-migrate' }],
    });
  });

  it('refuses an explicit path that does not exist', async () => {
    expect(await configError(loadConfig(project, 'nope.json'))).toBe('nope.json: no such config file');
  });

  it('refuses an explicit package.json without a rollsafe key', async () => {
    writeJson('package.json', { name: 'app' });
    expect(await configError(loadConfig(project, 'package.json'))).toBe('package.json: has no "rollsafe" key');
  });
});

describe('loadConfig: configs written as code', () => {
  const write = (name: string, text: string) => writeFileSync(join(project, name), text);

  it('reads the default export of rollsafe.config.ts, types and all, with set dirs absolute', async () => {
    write(
      'rollsafe.config.ts',
      [
        "type Severity = 'off' | 'warn' | 'error';",
        "const strict: Severity = process.env.ROLLSAFE_LENIENT ? 'warn' : 'error';",
        "export default { rules: { 'require-guard': strict }, sets: [{ dir: 'db/migrations', framework: 'knex' as const }] };",
        '',
      ].join('\n'),
    );
    expect(await loadConfig(project)).toEqual({
      rules: { 'require-guard': 'error' },
      sets: [{ dir: join(project, 'db', 'migrations'), framework: 'knex' }],
    });
  });

  it('reads module.exports of .cjs and of .js in a CommonJS package, export default of .mjs', async () => {
    writeJson('package.json', { name: 'app' });
    write('rollsafe.config.cjs', "module.exports = { engine: 'pglite' };\n");
    expect(await loadConfig(project)).toEqual({ engine: 'pglite' });
    write('rollsafe.config.js', "module.exports = { engine: 'postgres' };\n");
    expect(await loadConfig(project)).toEqual({ engine: 'postgres' });
    write('rollsafe.config.mjs', "export default { engine: 'pg-mem' };\n");
    expect(await loadConfig(project)).toEqual({ engine: 'pg-mem' });
  });

  it('looks in the order json, ts, mjs, js, cjs, then package.json', async () => {
    writeJson('package.json', { name: 'app', rollsafe: { timeouts: { migrationMs: 1 } } });
    const order: [string, string][] = [
      ['rollsafe.config.cjs', "module.exports = { timeouts: { migrationMs: 5 } };\n"],
      ['rollsafe.config.js', "module.exports = { timeouts: { migrationMs: 4 } };\n"],
      ['rollsafe.config.mjs', 'export default { timeouts: { migrationMs: 3 } };\n'],
      ['rollsafe.config.ts', 'export default { timeouts: { migrationMs: 2 as number } };\n'],
      ['rollsafe.config.json', '{ "timeouts": { "migrationMs": 0.5 } }'],
    ];
    expect((await loadConfig(project)).timeouts).toEqual({ migrationMs: 1 });
    for (const [index, [name, text]] of order.slice(0, 4).entries()) {
      write(name, text);
      expect((await loadConfig(project)).timeouts).toEqual({ migrationMs: 5 - index });
    }
    write(...order[4]);
    expect(await configError(loadConfig(project))).toMatch(/^rollsafe\.config\.json: timeouts\.migrationMs: /);
  });

  it('validates a code config with the same one-line errors', async () => {
    write('rollsafe.config.ts', "export default { rules: { 'require-gaurd': 'error' } };\n");
    expect(await configError(loadConfig(project))).toBe('rollsafe.config.ts: rules.require-gaurd: unknown rule (did you mean require-guard?)');
  });

  it('names the file and the error when the config throws on load', async () => {
    write('rollsafe.config.ts', "const url: string | undefined = undefined;\nif (!url) throw new Error('DATABASE_URL is not set\\nset it in .env');\nexport default {};\n");
    expect(await configError(loadConfig(project))).toBe('rollsafe.config.ts: failed to load: DATABASE_URL is not set');
  });

  it('names the file and the syntax error in one line', async () => {
    write('rollsafe.config.ts', "export default { engine: 'pglite' ;\n");
    expect(await configError(loadConfig(project))).toMatch(/^rollsafe\.config\.ts: failed to load: .*Expected "}" but found ";"$/);
  });

  it('refuses a code config without a default export', async () => {
    write('rollsafe.config.mjs', "export const engine = 'pglite';\n");
    expect(await configError(loadConfig(project))).toMatch(/^rollsafe\.config\.mjs: has no default export/);
  });

  it('loads an explicit --config path written as code', async () => {
    mkdirSync(join(project, 'ci'));
    write('ci/rollsafe.ts', "export default { engine: 'pglite' as const, fallback: false };\n");
    expect(await loadConfig(project, 'ci/rollsafe.ts')).toEqual({ engine: 'pglite', fallback: false });
  });
});

describe('loadConfig: strict validation, one line naming file, key and value', () => {
  it('names the closest rule for a misspelt rule id', async () => {
    writeJson('rollsafe.config.json', { rules: { 'require-gaurd': 'error' } });
    expect(await configError(loadConfig(project))).toBe(
      'rollsafe.config.json: rules.require-gaurd: unknown rule (did you mean require-guard?)',
    );
  });

  it('refuses an unknown top-level key', async () => {
    writeJson('rollsafe.config.json', { engines: 'pglite' });
    expect(await configError(loadConfig(project))).toBe('rollsafe.config.json: engines: unknown key (did you mean engine?)');
  });

  it('refuses a bad severity', async () => {
    writeJson('rollsafe.config.json', { rules: { 'require-down': 2 } });
    expect(await configError(loadConfig(project))).toBe(
      'rollsafe.config.json: rules.require-down: 2 is not one of "off", "warn", "error"',
    );
  });

  it('refuses a framework rollsafe does not support', async () => {
    writeJson('rollsafe.config.json', { sets: [{ dir: 'db/migrations', framework: 'knexjs' }] });
    expect(await configError(loadConfig(project))).toMatch(
      /^rollsafe\.config\.json: sets\[0\]\.framework: "knexjs" is not one of "knex", .* \(did you mean knex\?\)$/,
    );
  });

  it('refuses an unknown engine', async () => {
    writeJson('rollsafe.config.json', { engine: 'sqlite' });
    expect(await configError(loadConfig(project))).toBe(
      'rollsafe.config.json: engine: "sqlite" is not one of "pg-mem", "pglite", "postgres"',
    );
  });

  it('refuses a set dir that does not exist, suggesting the sibling it was likely meant to be', async () => {
    writeJson('rollsafe.config.json', { sets: [{ dir: 'db/migratons', framework: 'knex' }] });
    expect(await configError(loadConfig(project))).toBe(
      'rollsafe.config.json: sets[0].dir: "db/migratons" does not exist (did you mean migrations?)',
    );
  });

  it('refuses a set without a framework', async () => {
    writeJson('rollsafe.config.json', { sets: [{ dir: 'db/migrations' }] });
    expect(await configError(loadConfig(project))).toMatch(/^rollsafe\.config\.json: sets\[0\]\.framework: is required/);
  });

  it('takes a memory cap in megabytes and refuses one too small to run anything', async () => {
    writeJson('rollsafe.config.json', { limits: { memoryMb: 512 } });
    expect((await loadConfig(project)).limits).toEqual({ memoryMb: 512 });
    writeJson('rollsafe.config.json', { limits: { memoryMb: 8 } });
    expect(await configError(loadConfig(project))).toBe('rollsafe.config.json: limits.memoryMb: must be a whole number of megabytes, at least 32, not 8');
  });

  it('prefixes the key path with "rollsafe" when the config lives in package.json', async () => {
    writeJson('package.json', { name: 'app', rollsafe: { timeouts: { migrationMs: -1 } } });
    expect(await configError(loadConfig(project))).toBe(
      'package.json: rollsafe.timeouts.migrationMs: must be a positive whole number of milliseconds, not -1',
    );
  });

  it('reports invalid JSON in one line', async () => {
    writeFileSync(join(project, 'rollsafe.config.json'), '{ "engine": "pglite", }');
    expect(await configError(loadConfig(project))).toMatch(/^rollsafe\.config\.json: not valid JSON: /);
  });

  it('checks rule ids against the list it is given', async () => {
    writeJson('rollsafe.config.json', { rules: { 'custom-rule': 'warn' } });
    expect(await loadConfig(project, undefined, { ruleIds: ['custom-rule'] })).toEqual({ rules: { 'custom-rule': 'warn' } });
  });
});

describe('a set\'s setup and baseline', () => {
  it('become the scripts run before the first migration, named by their key, setup first', async () => {
    writeJson('rollsafe.config.json', { sets: [{ dir: 'db/migrations', framework: 'knex', setup: ['CREATE SCHEMA app', 'SET search_path TO app'], baseline: 'db/schema.sql' }] });
    const [set] = (await loadConfig(project)).sets!;
    expect(set.setupScripts).toEqual([
      { sql: 'CREATE SCHEMA app;\nSET search_path TO app', origin: 'rollsafe.config.json: sets[0].setup' },
      // psql's backslash lines are not SQL.
      { sql: 'CREATE TABLE accounts (id int);\n', origin: 'rollsafe.config.json: sets[0].baseline (db/schema.sql)', dump: true },
    ]);
  });

  it('accepts one SQL string as setup', async () => {
    writeJson('rollsafe.config.json', { sets: [{ dir: 'db/migrations', framework: 'knex', setup: 'CREATE SCHEMA app' }] });
    expect((await loadConfig(project)).sets![0].setup).toEqual(['CREATE SCHEMA app']);
  });

  it('refuses a setup that is not SQL and a baseline that is not a file', async () => {
    writeJson('rollsafe.config.json', { sets: [{ dir: 'db/migrations', framework: 'knex', setup: [42] }] });
    expect(await configError(loadConfig(project))).toBe('rollsafe.config.json: sets[0].setup: must be SQL or a list of SQL statements, not [42]');
    writeJson('rollsafe.config.json', { sets: [{ dir: 'db/migrations', framework: 'knex', baseline: 'db/missing.sql' }] });
    expect(await configError(loadConfig(project))).toBe('rollsafe.config.json: sets[0].baseline: "db/missing.sql" is not a file');
  });
});

// ------------------------------------------------------------ schema and validator agree

type SchemaNode = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean;
  required?: string[];
  items?: SchemaNode;
  minimum?: number;
};
const schema = JSON.parse(readFileSync(new URL('../../rollsafe.schema.json', import.meta.url), 'utf8')) as SchemaNode & {
  definitions: Record<string, SchemaNode>;
};
const deref = (node: SchemaNode): SchemaNode => (node.$ref ? schema.definitions[node.$ref.replace('#/definitions/', '')] : node);

/** A value the schema accepts that uses every key it declares; `dir` strings name an existing folder. */
function sample(node: SchemaNode, key = ''): unknown {
  node = deref(node);
  if (node.enum) return node.enum[0];
  switch (node.type) {
    case 'object':
      return Object.fromEntries(Object.entries(node.properties ?? {}).map(([name, child]) => [name, sample(child, name)]));
    case 'array':
      return [sample(node.items!, key)];
    case 'string':
      return key === 'dir' ? 'db/migrations' : key === 'baseline' ? 'db/schema.sql' : 'db/**/*.skip.ts';
    case 'integer':
      return node.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      throw new Error(`schema node the test does not know: ${JSON.stringify(node)}`);
  }
}

/** Every [path, node] in the schema, so each object and enum can be probed. */
function walk(node: SchemaNode, path: (string | number)[] = []): [(string | number)[], SchemaNode][] {
  node = deref(node);
  const children = Object.entries(node.properties ?? {}).flatMap(([name, child]) => walk(child, [...path, name]));
  const items = node.items ? walk(node.items, [...path, 0]) : [];
  return [[path, node], ...children, ...items];
}

function setAt(target: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(target) as Record<string | number, unknown>;
  let cursor = copy;
  for (const part of path.slice(0, -1)) cursor = cursor[part] as Record<string | number, unknown>;
  cursor[path[path.length - 1]] = value;
  return copy;
}

describe('rollsafe.schema.json and the validator agree', () => {
  const full = sample(schema) as Record<string, unknown>;

  it('accepts a config using every key the schema declares', async () => {
    writeJson('rollsafe.config.json', full);
    const config = await loadConfig(project);
    expect(Object.keys(config).sort()).toEqual(Object.keys(full).sort());
    expect(Object.keys(config.rules!)).toEqual(Object.keys(full.rules as object));
  });

  it('lists exactly the frameworks and engines the validator accepts', () => {
    const setItem = deref(schema.properties!.sets.items!);
    expect([...(setItem.properties!.framework.enum as string[])].sort()).toEqual([...supportedFrameworks].sort());
    expect([...(deref(schema.properties!.engine).enum as string[])].sort()).toEqual([...engineNames].sort());
  });

  it('lists exactly the known rules', () => {
    expect(Object.keys(schema.properties!.rules.properties!).sort()).toEqual([...ruleIds].sort());
  });

  for (const [path, node] of walk(schema).filter(([, node]) => node.additionalProperties === false)) {
    it(`refuses an unknown key in ${path.join('.') || 'the top level'}`, async () => {
      writeJson('rollsafe.config.json', setAt(full, [...path, 'surpriseKey'], 'x'));
      expect(await configError(loadConfig(project))).toContain('surpriseKey: unknown');
    });
  }

  for (const [path, node] of walk(schema).filter(([, node]) => node.enum)) {
    it(`accepts every value the schema allows at ${path.join('.')}, and nothing else`, async () => {
      for (const value of node.enum!) {
        writeJson('rollsafe.config.json', setAt(full, path, value));
        await expect(loadConfig(project)).resolves.toBeDefined();
      }
      writeJson('rollsafe.config.json', setAt(full, path, 'not-a-listed-value'));
      expect(await configError(loadConfig(project))).toContain('"not-a-listed-value" is not one of');
    });
  }

  for (const [path, node] of walk(schema).filter(([, node]) => node.required?.length)) {
    for (const key of node.required!) {
      it(`requires ${[...path, key].join('.')}`, async () => {
        const parent = structuredClone(path.reduce<any>((value, part) => value[part], full));
        delete parent[key];
        writeJson('rollsafe.config.json', setAt(full, path, parent));
        expect(await configError(loadConfig(project))).toContain(`${key}: is required`);
      });
    }
  }
});
