// Loading the user's code: migrations (TS or JS, ESM or CJS) and the framework packages they use,
// both resolved the way the user's own project resolves them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, findSourceMap } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SourceLocation } from '../types.js';

/** A migration file that could not be loaded: what went wrong, and where when it is known. */
export class MigrationLoadError extends Error {
  constructor(
    message: string,
    readonly loc?: SourceLocation,
  ) {
    super(message);
    this.name = 'MigrationLoadError';
  }
}

/**
 * Imports a migration with the project's module resolution (tsconfig `paths` included) and returns
 * its exports flattened: `up`/`down`/`config` whether they are ESM named exports, CJS
 * `module.exports = { up, down }` or a default-exported object.
 */
export async function importMigration(path: string, projectDir: string): Promise<Record<string, unknown>> {
  let loaded: Record<string, unknown>;
  try {
    if (isCommonJs(path)) loaded = await requireCommonJs(path, projectDir);
    // In the sandbox, tsx's ESM hooks (a loader thread) cannot start: TypeScript goes through its require hook, plain ESM loads as Node loads it.
    else if (underPermissionModel()) loaded = /\.[cm]?tsx?$/.test(path) ? await requireCommonJs(path, projectDir) : ((await import(pathToFileURL(path).href)) as Record<string, unknown>);
    else loaded = await importEsm(path, projectDir);
  } catch (error) {
    throw describeLoadError(error, path);
  }
  return flattenExports(loaded);
}

/**
 * Resolves a package from the user's project. Falls back to rollsafe's own copy only when the
 * project has none, so the user's version (and its quirks) is what gets exercised.
 */
export async function requireFromProject<T = unknown>(specifier: string, projectDir: string): Promise<T> {
  const fromProject = createRequire(join(projectDir, 'package.json'));
  try {
    return await load<T>(fromProject, specifier);
  } catch (error) {
    if (!isNotFound(error, specifier)) throw error;
  }
  try {
    return await load<T>(createRequire(import.meta.url), specifier);
  } catch (error) {
    if (!isNotFound(error, specifier)) throw error;
    throw new Error(`${specifier} is not installed in ${projectDir}: run \`npm install ${specifier}\` there`);
  }
}

async function load<T>(require: NodeJS.Require, specifier: string): Promise<T> {
  const resolved = require.resolve(specifier);
  try {
    return require(resolved) as T;
  } catch (error) {
    // ESM-only packages (node-pg-migrate 8) cannot be required on every Node 20.
    if (!isRequireOfEsm(error)) throw error;
    return (await import(pathToFileURL(resolved).href)) as T;
  }
}

/** True inside the sandboxed process (Node's permission model is on). */
function underPermissionModel(): boolean {
  return 'permission' in process;
}

function isNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: string }).code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((error as Error).message).includes(`'${specifier}'`);
}

function isRequireOfEsm(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE' || code === 'ERR_REQUIRE_CYCLE_MODULE';
}

// ---------------------------------------------------------------- module formats

/** Node's own rule: .cjs/.cts are CJS, .mjs/.mts are ESM, others follow the nearest package.json `type`. */
function isCommonJs(path: string): boolean {
  const ext = extname(path);
  if (ext === '.cjs' || ext === '.cts') return true;
  if (ext === '.mjs' || ext === '.mts') return false;
  return nearestPackageType(dirname(path)) !== 'module';
}

function nearestPackageType(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const manifest = join(current, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: string }).type;
      } catch {
        return undefined;
      }
    }
    if (dirname(current) === current) return undefined;
  }
}

function tsconfigOf(projectDir: string): string | undefined {
  const path = join(projectDir, 'tsconfig.json');
  return existsSync(path) ? path : undefined;
}

// tsx's one-call APIs (tsImport, require) register their hooks under a new namespace on every
// call, and the namespace is part of tsx's transform-cache key: every run recompiled every
// migration with esbuild (starting its service: about half a second on the hook path). One stable
// namespace per project and tsconfig keeps tsx's disk cache warm across runs.
type EsmScope = (specifier: string, parent: string) => Promise<unknown>;
type CjsScope = (id: string, fromFile: string) => unknown;
const esmScopes = new Map<string, Promise<EsmScope>>();
const cjsScopes = new Map<string, Promise<CjsScope>>();

function namespaceOf(projectDir: string, tsconfig: string | undefined): string {
  return `rollsafe-${createHash('sha256').update(`${projectDir}\0${tsconfig ?? ''}`).digest('hex').slice(0, 12)}`;
}

async function importEsm(path: string, projectDir: string): Promise<Record<string, unknown>> {
  const tsconfig = tsconfigOf(projectDir);
  const namespace = namespaceOf(projectDir, tsconfig);
  let scope = esmScopes.get(namespace);
  if (!scope) {
    scope = import('tsx/esm/api').then(({ register }) => register({ namespace, tsconfig: tsconfig ?? false }).import);
    esmScopes.set(namespace, scope);
  }
  return (await (await scope)(pathToFileURL(path).href, pathToFileURL(join(projectDir, 'package.json')).href)) as Record<string, unknown>;
}

// tsx's ESM import turns CJS files into data: URLs without source maps; its require keeps real paths and TS lines.
async function requireCommonJs(path: string, projectDir: string): Promise<Record<string, unknown>> {
  const tsconfig = tsconfigOf(projectDir);
  const namespace = namespaceOf(projectDir, tsconfig);
  let scope = cjsScopes.get(namespace);
  if (!scope) {
    scope = import('tsx/cjs/api').then(({ register }) => {
      // tsx's CJS hook reads the tsconfig from this variable when it registers (it has no option for it).
      if (tsconfig) process.env.TSX_TSCONFIG_PATH = tsconfig;
      else delete process.env.TSX_TSCONFIG_PATH;
      return register({ namespace }).require;
    });
    cjsScopes.set(namespace, scope);
  }
  const loaded: unknown = (await scope)(path, path);
  return typeof loaded === 'object' && loaded !== null ? (loaded as Record<string, unknown>) : { default: loaded };
}

function flattenExports(loaded: Record<string, unknown>): Record<string, unknown> {
  if (typeof loaded.up === 'function' || typeof loaded.down === 'function') return { ...loaded };
  let inner = loaded.default;
  // A TS file compiled to CJS with `export default { up }`, then imported as ESM, nests one level deeper.
  if (isObject(inner) && !('up' in inner) && isObject(inner.default)) inner = inner.default;
  return isObject(inner) ? { ...loaded, ...inner } : { ...loaded };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

// ---------------------------------------------------------------- load errors

/** A path as it appears in a stack or message, without the loaders' query strings. */
export function cleanPath(path: string): string {
  const withoutScheme = path.startsWith('file://') ? decodeURIComponent(new URL(path).pathname) : path;
  return withoutScheme.replace(/\?.*$/, '');
}

function describeLoadError(error: unknown, path: string): MigrationLoadError {
  const err = error as Error & {
    code?: string;
    errors?: { text: string; location?: { file: string; line: number; column: number } | null }[];
    requireStack?: string[];
  };
  // esbuild's TransformError: the syntax error with its exact position.
  if (Array.isArray(err.errors) && err.errors.length > 0) {
    const first = err.errors[0];
    const loc = first.location
      ? { file: path, line: first.location.line, column: first.location.column + 1 }
      : undefined;
    return new MigrationLoadError(`syntax error: ${first.text}${loc ? ` (${path}:${loc.line}:${loc.column})` : ''}`, loc);
  }
  // The same error after crossing from the loader thread: only its message survives.
  const transformFailure = /^(\S+?):(\d+):(\d+): ERROR: (.*)$/m.exec(String(err?.message ?? ''));
  if (transformFailure && /Transform failed/.test(err.message)) {
    const loc = { file: path, line: Number(transformFailure[2]), column: Number(transformFailure[3]) + 1 };
    return new MigrationLoadError(`syntax error: ${transformFailure[4]} (${path}:${loc.line}:${loc.column})`, loc);
  }
  if (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND') {
    const missing = /Cannot find (?:module|package) '([^']+)'/.exec(err.message)?.[1] ?? 'a module';
    const importer =
      err.requireStack?.[0] ?? /imported from (\S+)/.exec(err.message)?.[1] ?? path;
    const importerPath = cleanPath(importer);
    return new MigrationLoadError(
      `cannot find module '${missing}' imported from ${importerPath}`,
      importerPath === path ? locOfImport(path, missing) : undefined,
    );
  }
  if (err instanceof SyntaxError) {
    const loc = frameIn(err.stack ?? '', path);
    return new MigrationLoadError(`syntax error: ${err.message}`, loc);
  }
  const message = err instanceof Error ? err.message : String(error);
  return new MigrationLoadError(`the migration threw while loading: ${message}`, frameIn(err?.stack ?? '', path));
}

function locOfImport(path: string, specifier: string): SourceLocation | undefined {
  try {
    const lines = readFileSync(path, 'utf8').split('\n');
    const index = lines.findIndex((line) => line.includes(`'${specifier}'`) || line.includes(`"${specifier}"`));
    if (index >= 0) return { file: path, line: index + 1, column: 1 };
  } catch {
    // The file vanished between discovery and loading: no location is better than a wrong one.
  }
  return undefined;
}

/** The first stack frame that points into `file`, with source-mapped TS lines when tsx loaded it. */
export function frameIn(stack: string, file: string): SourceLocation | undefined {
  for (const line of stack.split('\n')) {
    const match = /(?:\(|at (?:async )?)((?:file:\/\/)?\/.*?):(\d+):(\d+)\)?$/.exec(line.trim());
    if (match && cleanPath(match[1]) === file) {
      return { file, line: Number(match[2]), column: Number(match[3]) };
    }
  }
  return undefined;
}

/** The call sites of the current stack, unformatted: their positions are the generated code's. */
export function captureCallSites(): NodeJS.CallSite[] {
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    Error.stackTraceLimit = 50;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, captureCallSites);
    return holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * The first call site in `file`, mapped back to the TS source through the loader's source map.
 * Mapped here rather than by Node, because test runners replace the stack formatter that would.
 */
export function siteIn(sites: NodeJS.CallSite[], file: string): SourceLocation | undefined {
  for (const site of sites) {
    const name = site.getFileName();
    if (!name || cleanPath(name) !== file) continue;
    const line = site.getLineNumber() ?? 1;
    const column = site.getColumnNumber() ?? 1;
    const entry = findSourceMap(name)?.findEntry(line - 1, column - 1);
    if (entry && 'originalLine' in entry) return { file, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
    return { file, line, column };
  }
  return undefined;
}

/** The line of the statement in `file` that is calling the current function. */
export function callerIn(file: string): SourceLocation | undefined {
  return siteIn(captureCallSites(), file);
}

/** Engines append hints and advice after a blank line; a finding needs the first paragraph. */
export function firstParagraph(message: string): string {
  return message.split(/\n\s*\n/)[0].trim();
}

/** importMigration memoised per path: each migration module loads once per walk, however often it runs. */
export function migrationImporter(projectDir: () => string): (path: string) => Promise<Record<string, unknown>> {
  const imports = new Map<string, Promise<Record<string, unknown>>>();
  return (path) => {
    let loaded = imports.get(path);
    if (!loaded) imports.set(path, (loaded = importMigration(path, projectDir())));
    return loaded;
  };
}
