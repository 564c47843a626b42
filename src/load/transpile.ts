// tsx compiles TypeScript with esbuild, whose compiler is a native program in a process of its own:
// inside the sandbox (no child processes, no threads) it cannot start. There, tsx is handed this
// look-alike of esbuild's transformSync, built on TypeScript's own transpileModule (pure JS).
// tsx keeps what it compiled in its disk cache, so a migration unchanged since the last run is not
// compiled again (nor is TypeScript loaded at all).
import Module, { createRequire } from 'node:module';
import { requireWithCodeCache } from './code-cache.js';

interface TransformOptions {
  loader?: string;
  format?: 'cjs' | 'esm' | 'iife';
  sourcefile?: string;
  banner?: string;
  footer?: string;
  define?: Record<string, string>;
  tsconfigRaw?: string | { compilerOptions?: Record<string, unknown> };
}

type TypeScript = typeof import('typescript');
let typescript: TypeScript | undefined;

function ts(): TypeScript {
  typescript ??= requireWithCodeCache<TypeScript>('typescript', import.meta.url);
  return typescript;
}

/** esbuild's transformSync as tsx calls it: TS, TSX, JS to CJS or ESM, with a source map. */
export function transformSync(code: string, options: TransformOptions = {}): { code: string; map: string; warnings: [] } {
  const t = ts();
  const file = options.sourcefile ?? 'module.ts';
  const raw = typeof options.tsconfigRaw === 'string' ? (JSON.parse(options.tsconfigRaw) as TransformOptions['tsconfigRaw'] & object) : options.tsconfigRaw;
  const own = raw?.compilerOptions ?? {};
  const jsx = /\.[jt]sx$/.test(file) || options.loader === 'tsx' || options.loader === 'jsx';
  let source = code;
  for (const [name, value] of Object.entries(options.define ?? {})) source = source.split(name).join(`(${value})`);
  const output = t.transpileModule(source, {
    fileName: /\.[cm]?[jt]sx?$/.test(file) ? file : `${file}.ts`,
    compilerOptions: {
      module: options.format === 'esm' ? t.ModuleKind.ESNext : t.ModuleKind.CommonJS,
      target: t.ScriptTarget.ES2022,
      esModuleInterop: true,
      allowJs: true,
      sourceMap: true,
      inlineSources: false,
      experimentalDecorators: Boolean(own.experimentalDecorators),
      emitDecoratorMetadata: Boolean(own.emitDecoratorMetadata),
      useDefineForClassFields: own.useDefineForClassFields as boolean | undefined,
      ...(jsx ? { jsx: t.JsxEmit.React } : {}),
    },
    reportDiagnostics: false,
  });
  // The banner goes on the first line, as esbuild puts it, so the source map's lines stay true.
  const text = output.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  const map = JSON.parse(output.sourceMapText ?? '{}') as { sources?: string[] };
  map.sources = [file];
  return { code: `${options.banner ?? ''}${text}${options.footer ?? ''}`, map: JSON.stringify(map), warnings: [] };
}

/**
 * Makes `require('esbuild')` from tsx return the look-alike. Only inside the sandbox, before tsx
 * first loads; esbuild's version is kept so tsx's cache entries from earlier runs still match.
 */
export function installTranspiler(): void {
  const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/cjs/api'));
  const esbuildPath = fromTsx.resolve('esbuild');
  const version = (fromTsx('esbuild/package.json') as { version: string }).version;
  const lookAlike = new Module(esbuildPath);
  lookAlike.filename = esbuildPath;
  lookAlike.loaded = true;
  lookAlike.exports = {
    version,
    transformSync,
    transform: async (code: string, options?: TransformOptions) => transformSync(code, options),
  };
  (Module as unknown as { _cache: Record<string, Module> })._cache[esbuildPath] = lookAlike;
}
