// Node 20 compiles every module from source on every run, and the hook runs in a fresh process each
// commit: compiling TypeScript's 9 MB (through ts-morph) alone costs about a quarter of a second
// of CPU. This keeps V8's code cache for the few big CommonJS files rollsafe itself requires, the
// way v8-compile-cache does (which breaks on the .mjs files some dependencies require) and Node 22's
// module.enableCompileCache() does (not on Node 20). Only while one require() of ours runs: user
// code and everything else load as Node loads them.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

/** Smaller files compile faster than their cache is read and checked. */
const worthCachingBytes = 256 * 1024;

interface CompilingModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

type Compile = CompilingModule['_compile'];

/**
 * require(specifier) from `parentUrl`, with V8's code cache for the big files it loads.
 * `cacheDir` holds one file per cached module; a missing or unwritable folder only costs speed.
 */
export function requireWithCodeCache<T>(specifier: string, parentUrl: string, cacheDir = defaultCacheDir()): T {
  const prototype = (Module as unknown as { prototype: CompilingModule }).prototype;
  const original: Compile = prototype._compile;
  prototype._compile = function (this: CompilingModule, content: string, filename: string) {
    if (content.length < worthCachingBytes) return original.call(this, content, filename);
    return compileWithCache(this, content, filename, cacheDir);
  };
  try {
    return createRequire(parentUrl)(specifier) as T;
  } finally {
    prototype._compile = original;
  }
}

function compileWithCache(module: CompilingModule, content: string, filename: string, cacheDir: string): unknown {
  const cacheFile = join(cacheDir, `${cacheKey(filename, content)}.v8`);
  const cachedData = readOrUndefined(cacheFile);
  const script = new vm.Script(Module.wrap(content), { filename, cachedData });
  const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
  const require = createRequire(filename);
  const result = wrapper.call(module.exports, module.exports, require, module, filename, dirname(filename));
  // Made after the module ran, so the cache also holds the functions its loading compiled.
  if (!cachedData || script.cachedDataRejected) writeQuietly(cacheFile, script.createCachedData());
  return result;
}

/** The file's path and size, and the exact V8 build: a cache from another Node is rejected anyway, but not read. */
function cacheKey(filename: string, content: string): string {
  const { size, mtimeMs } = statSync(filename);
  return createHash('sha256')
    .update(`${process.version}\0${process.arch}\0${filename}\0${size}\0${mtimeMs}\0${content.length}`)
    .digest('hex')
    .slice(0, 32);
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function writeQuietly(path: string, data: Buffer): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    // Written aside then renamed: two hooks at once never read half a cache.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, data);
    renameSync(partial, path);
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

/** Beside rollsafe's other caches: node_modules/.cache/rollsafe of the project when it has one. */
function defaultCacheDir(): string {
  const projectModules = join(process.cwd(), 'node_modules');
  try {
    if (statSync(projectModules).isDirectory()) return join(projectModules, '.cache', 'rollsafe', 'v8');
  } catch {
    // no node_modules here
  }
  return join(tmpdir(), 'rollsafe', 'v8');
}
