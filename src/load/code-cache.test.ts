import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { requireWithCodeCache } from './code-cache.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A package whose main file is big enough to be worth caching, and which requires a small sibling. */
function bigPackage(): { dir: string; parentUrl: string; cacheDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-code-cache-'));
  dirs.push(dir);
  const padding = Array.from({ length: 8000 }, (_, i) => `function helper${i}(x) { return x + ${i}; }`).join('\n');
  writeFileSync(join(dir, 'small.js'), `module.exports = { greeting: 'hello' };\n`);
  writeFileSync(join(dir, 'big.js'), `${padding}\nconst { greeting } = require('./small');\nexports.greet = (name) => greeting + ' ' + name + ' ' + helper7999(0);\nexports.file = __filename;\n`);
  return { dir, parentUrl: pathToFileURL(join(dir, 'index.js')).href, cacheDir: join(dir, 'cache') };
}

describe('requireWithCodeCache', () => {
  it('loads a big module as require() would, and keeps its code cache', () => {
    const { dir, parentUrl, cacheDir } = bigPackage();
    const loaded = requireWithCodeCache<{ greet(name: string): string; file: string }>('./big.js', parentUrl, cacheDir);
    expect(loaded.greet('ada')).toBe('hello ada 7999');
    expect(loaded.file).toBe(join(dir, 'big.js'));
    // The small sibling compiles as usual: only the big file has a cache.
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  it('in a fresh process, loads again from a damaged cache and replaces it', () => {
    const { dir, parentUrl, cacheDir } = bigPackage();
    requireWithCodeCache('./big.js', parentUrl, cacheDir);
    const [cacheFile] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, cacheFile), 'not a code cache');
    // A fresh process: within one, V8 reuses the compiled script and never reads the cache again.
    const runner = join(dir, 'runner.mts');
    writeFileSync(
      runner,
      `import { requireWithCodeCache } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'code-cache.ts')).href)};\n` +
        `console.log(requireWithCodeCache('./big.js', ${JSON.stringify(parentUrl)}, ${JSON.stringify(cacheDir)}).greet('grace'));\n`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', runner], { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('hello grace 7999');
    expect(readFileSync(join(cacheDir, cacheFile)).toString()).not.toBe('not a code cache');
  });

  it('leaves Node to compile everything else once it returns', () => {
    const compile = (Module as unknown as { prototype: { _compile: unknown } }).prototype._compile;
    const { parentUrl, cacheDir } = bigPackage();
    requireWithCodeCache('./big.js', parentUrl, cacheDir);
    expect((Module as unknown as { prototype: { _compile: unknown } }).prototype._compile).toBe(compile);
  });
});
