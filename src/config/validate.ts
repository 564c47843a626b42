import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { supportedFrameworks } from '../frameworks/index.js';
import type { EngineName, FrameworkName, RuleSeverity, SetupScript } from '../types.js';
import { didYouMean } from './closest-name.js';
import { ConfigError } from './config-error.js';

export interface MigrationSetConfig {
  /** Absolute once loaded; relative to the config file as written. */
  dir: string;
  framework: FrameworkName;
  /** SQL run on an empty database before the first migration (schemas, extensions, roles, search_path). */
  setup?: string[];
  /** A SQL file the history starts from (`pg_dump --schema-only`, `create_all` output); absolute once loaded. */
  baseline?: string;
  /** Set when loaded: `setup` then `baseline` as the scripts the checks run, each named for messages. */
  setupScripts?: SetupScript[];
}

export interface RollsafeConfig {
  $schema?: string;
  rules?: Record<string, RuleSeverity>;
  sets?: MigrationSetConfig[];
  engine?: EngineName;
  fallback?: boolean;
  timeouts?: { migrationMs?: number };
  /** Caps on what one migration's checks may use. */
  limits?: { memoryMb?: number };
  /** Globs of migration files never to check. */
  ignore?: string[];
}

export const engineNames: readonly EngineName[] = ['pg-mem', 'pglite', 'postgres'];
export const ruleSeverities: readonly RuleSeverity[] = ['off', 'warn', 'error'];
export const configKeys = ['$schema', 'rules', 'sets', 'engine', 'fallback', 'timeouts', 'limits', 'ignore'] as const;
export const setKeys = ['dir', 'framework', 'setup', 'baseline'] as const;
export const timeoutKeys = ['migrationMs'] as const;
export const limitKeys = ['memoryMb'] as const;

export interface ValidationContext {
  /** How the user names the config's source, e.g. `rollsafe.config.json`. */
  source: string;
  /** Key path prefix inside the source, e.g. `rollsafe` for package.json. */
  prefix?: string;
  /** Set dirs are relative to this folder. */
  baseDir: string;
  ruleIds: readonly string[];
}

type Path = (string | number)[];

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const oneOf = (names: readonly string[]) => names.map((name) => `"${name}"`).join(', ');

/** Checks a parsed config strictly and returns it with set dirs made absolute; throws ConfigError. */
export function validateConfig(raw: unknown, context: ValidationContext): RollsafeConfig {
  const keyPathOf = (path: Path) =>
    [context.prefix, ...path]
      .filter((part) => part !== undefined)
      .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`))
      .join('');
  const fail = (path: Path, problem: string): never => {
    const keyPath = keyPathOf(path);
    throw new ConfigError(`${context.source}: ${keyPath ? `${keyPath}: ` : ''}${problem}`);
  };
  const expectObject = (value: unknown, path: Path, keys: readonly string[]): Record<string, unknown> => {
    if (!isPlainObject(value)) return fail(path, `must be an object, not ${typeOf(value)}`);
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) fail([...path, key], `unknown key${didYouMean(key, keys)}`);
    }
    return value;
  };
  const expectEnum = <T extends string>(value: unknown, path: Path, names: readonly T[]): T => {
    if (typeof value !== 'string' || !names.includes(value as T)) {
      const hint = typeof value === 'string' ? didYouMean(value, names) : '';
      return fail(path, `${show(value)} is not one of ${oneOf(names)}${hint}`);
    }
    return value as T;
  };

  const input = expectObject(raw, [], configKeys);
  const config: RollsafeConfig = {};

  if (input.$schema !== undefined) {
    if (typeof input.$schema !== 'string') fail(['$schema'], `must be a string, not ${typeOf(input.$schema)}`);
    config.$schema = input.$schema as string;
  }

  if (input.rules !== undefined) {
    const rules = expectObject(input.rules, ['rules'], Object.keys(input.rules ?? {}));
    config.rules = {};
    for (const [id, severity] of Object.entries(rules)) {
      if (!context.ruleIds.includes(id)) fail(['rules', id], `unknown rule${didYouMean(id, context.ruleIds)}`);
      config.rules[id] = expectEnum(severity, ['rules', id], ruleSeverities);
    }
  }

  if (input.sets !== undefined) {
    if (!Array.isArray(input.sets)) fail(['sets'], `must be an array, not ${typeOf(input.sets)}`);
    config.sets = (input.sets as unknown[]).map((entry, index) => {
      const set = expectObject(entry, ['sets', index], setKeys);
      if (set.dir === undefined) fail(['sets', index, 'dir'], 'is required');
      if (typeof set.dir !== 'string' || set.dir === '') fail(['sets', index, 'dir'], `must be a folder path, not ${show(set.dir)}`);
      if (set.framework === undefined) fail(['sets', index, 'framework'], `is required (one of ${oneOf(supportedFrameworks)})`);
      const framework = expectEnum(set.framework, ['sets', index, 'framework'], supportedFrameworks);
      const dir = resolve(context.baseDir, set.dir as string);
      if (!existsSync(dir)) fail(['sets', index, 'dir'], `${show(set.dir)} does not exist${siblingHint(dir)}`);
      if (!statSync(dir).isDirectory()) fail(['sets', index, 'dir'], `${show(set.dir)} is not a folder`);
      const scripts: SetupScript[] = [];
      const result: MigrationSetConfig = { dir, framework };
      if (set.setup !== undefined) {
        const statements = typeof set.setup === 'string' ? [set.setup] : set.setup;
        if (!Array.isArray(statements) || statements.length === 0 || statements.some((sql) => typeof sql !== 'string' || sql.trim() === '')) {
          fail(['sets', index, 'setup'], `must be SQL or a list of SQL statements, not ${show(set.setup)}`);
        }
        result.setup = statements as string[];
        scripts.push({ sql: result.setup.join(';\n'), origin: `${context.source}: ${keyPathOf(['sets', index, 'setup'])}` });
      }
      if (set.baseline !== undefined) {
        if (typeof set.baseline !== 'string' || set.baseline === '') fail(['sets', index, 'baseline'], `must be the path of a SQL file, not ${show(set.baseline)}`);
        const file = resolve(context.baseDir, set.baseline as string);
        if (!existsSync(file) || !statSync(file).isFile()) fail(['sets', index, 'baseline'], `${show(set.baseline)} is not a file`);
        result.baseline = file;
        scripts.push({ sql: withoutPsqlCommands(readFileSync(file, 'utf8')), origin: `${context.source}: ${keyPathOf(['sets', index, 'baseline'])} (${set.baseline as string})`, dump: true });
      }
      if (scripts.length) result.setupScripts = scripts;
      return result;
    });
  }

  if (input.engine !== undefined) config.engine = expectEnum(input.engine, ['engine'], engineNames);

  if (input.fallback !== undefined) {
    if (typeof input.fallback !== 'boolean') fail(['fallback'], `must be true or false, not ${show(input.fallback)}`);
    config.fallback = input.fallback as boolean;
  }

  if (input.timeouts !== undefined) {
    const timeouts = expectObject(input.timeouts, ['timeouts'], timeoutKeys);
    config.timeouts = {};
    if (timeouts.migrationMs !== undefined) {
      const ms = timeouts.migrationMs;
      if (typeof ms !== 'number' || !Number.isInteger(ms) || ms <= 0) {
        fail(['timeouts', 'migrationMs'], `must be a positive whole number of milliseconds, not ${show(ms)}`);
      }
      config.timeouts.migrationMs = ms as number;
    }
  }

  if (input.limits !== undefined) {
    const limits = expectObject(input.limits, ['limits'], limitKeys);
    config.limits = {};
    if (limits.memoryMb !== undefined) {
      const mb = limits.memoryMb;
      if (typeof mb !== 'number' || !Number.isInteger(mb) || mb < 32) {
        fail(['limits', 'memoryMb'], `must be a whole number of megabytes, at least 32, not ${show(mb)}`);
      }
      config.limits.memoryMb = mb as number;
    }
  }

  if (input.ignore !== undefined) {
    if (!Array.isArray(input.ignore)) fail(['ignore'], `must be an array of globs, not ${typeOf(input.ignore)}`);
    config.ignore = (input.ignore as unknown[]).map((glob, index) => {
      if (typeof glob !== 'string' || glob === '') return fail(['ignore', index], `must be a glob, not ${show(glob)}`);
      return glob;
    });
  }

  return config;
}

/** A sibling folder whose name is a likely typo of the missing one. */
function siblingHint(dir: string): string {
  const parent = dirname(dir);
  if (!existsSync(parent)) return '';
  const folders = readdirSync(parent, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const closest = didYouMean(basename(dir), folders);
  return closest;
}

/** psql's backslash commands (`\restrict`, `\connect`) in a pg_dump file are not SQL. */
function withoutPsqlCommands(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n');
}
