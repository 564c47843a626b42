import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { validateConfig, type RollsafeConfig } from './validate.js';

export { ConfigError } from './config-error.js';
export type { MigrationSetConfig, RollsafeConfig } from './validate.js';

export const configFileName = 'rollsafe.config.json';

interface LoadOptions {
  /** Known rule ids; read from rules/index.ts when not given. */
  ruleIds?: readonly string[];
}

/**
 * The project's config: `--config PATH`, else `rollsafe.config.json` in cwd, else the `rollsafe`
 * key of cwd's package.json, else nothing set (`{}`). Set dirs come back absolute.
 */
export async function loadConfig(cwd: string, explicitPath?: string, options: LoadOptions = {}): Promise<RollsafeConfig> {
  const found = await findConfig(cwd, explicitPath);
  if (!found) return {};
  const ruleIds = options.ruleIds ?? (await import('../../rules/index.js')).ruleIds;
  return validateConfig(found.raw, { source: found.source, prefix: found.prefix, baseDir: dirname(found.file), ruleIds });
}

async function findConfig(cwd: string, explicitPath?: string) {
  if (explicitPath !== undefined) {
    const file = resolve(cwd, explicitPath);
    if (!existsSync(file)) throw new ConfigError(`${explicitPath}: no such config file`);
    return basename(file) === 'package.json' ? readPackageKey(cwd, file, true) : readJson(cwd, file);
  }
  const configFile = resolve(cwd, configFileName);
  if (existsSync(configFile)) return readJson(cwd, configFile);
  const manifest = resolve(cwd, 'package.json');
  if (existsSync(manifest)) return readPackageKey(cwd, manifest, false);
  return undefined;
}

async function readJson(cwd: string, file: string) {
  const source = relative(cwd, file) || file;
  const text = await readFile(file, 'utf8');
  try {
    return { file, source, prefix: undefined, raw: JSON.parse(text) as unknown };
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}

async function readPackageKey(cwd: string, file: string, required: boolean) {
  const found = await readJson(cwd, file);
  const manifest = found.raw as Record<string, unknown> | null;
  if (typeof manifest !== 'object' || manifest === null || !('rollsafe' in manifest)) {
    if (required) throw new ConfigError(`${found.source}: has no "rollsafe" key`);
    return undefined;
  }
  return { ...found, prefix: 'rollsafe', raw: manifest.rollsafe };
}
