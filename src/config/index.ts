import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './config-error.js';
import { validateConfig, type RollsafeConfig } from './validate.js';

export { ConfigError } from './config-error.js';
export type { MigrationSetConfig, RollsafeConfig } from './validate.js';

export const configFileName = 'rollsafe.config.json';
/** Looked for in this order; the first that exists wins, then package.json's "rollsafe" key. */
export const configFileNames = [configFileName, 'rollsafe.config.ts', 'rollsafe.config.mjs', 'rollsafe.config.js', 'rollsafe.config.cjs'];

interface LoadOptions {
  /** Known rule ids; read from rules/index.ts when not given. */
  ruleIds?: readonly string[];
}

/**
 * The project's config: `--config PATH`, else the first of `configFileNames` in cwd, else the
 * `rollsafe` key of cwd's package.json, else nothing set (`{}`). Set dirs come back absolute.
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
    return basename(file) === 'package.json' ? readPackageKey(cwd, file, true) : readConfigFile(cwd, file);
  }
  for (const name of configFileNames) {
    const configFile = resolve(cwd, name);
    if (existsSync(configFile)) return readConfigFile(cwd, configFile);
  }
  const manifest = resolve(cwd, 'package.json');
  if (existsSync(manifest)) return readPackageKey(cwd, manifest, false);
  return undefined;
}

const moduleExtensions = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

function readConfigFile(cwd: string, file: string) {
  return moduleExtensions.includes(extname(file)) ? importModule(cwd, file) : readJson(cwd, file);
}

/** A config written as code: its default export (or `module.exports`), loaded through tsx so TypeScript works. */
async function importModule(cwd: string, file: string) {
  const source = relative(cwd, file) || file;
  let loaded: Record<string, unknown>;
  try {
    const { tsImport } = await import('tsx/esm/api');
    loaded = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${source}: failed to load: ${oneLine(error)}`);
  }
  return { file, source, prefix: undefined, raw: exportedConfig(loaded, source) };
}

/** `export default`, `module.exports =`, or a TS `export default` compiled to CommonJS (`default.default`). */
function exportedConfig(loaded: Record<string, unknown>, source: string): unknown {
  if (!('default' in loaded)) throw new ConfigError(`${source}: has no default export (write \`export default { … }\` or \`module.exports = { … }\`)`);
  const value = loaded.default;
  const inner = value as { __esModule?: boolean; default?: unknown } | null;
  if (typeof inner === 'object' && inner !== null && inner.__esModule && 'default' in inner) return inner.default;
  return value;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  // esbuild says "Transform failed with 1 error:" and puts the error itself on the next line
  if (lines.length > 1 && lines[0]!.endsWith(':')) return `${lines[0]} ${lines[1]}`;
  return lines[0] ?? 'unknown error';
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
