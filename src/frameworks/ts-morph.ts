// ts-morph, loaded with require() rather than import. Imported from ESM, Node runs its CommonJS
// export scanner over ts-morph and the 9 MB TypeScript it re-exports, and detects their module
// format: about half a second of CPU on every hook run. require() skips both, and V8's code cache
// (src/load/code-cache.ts) halves what compiling TypeScript costs. Import ts-morph's values from
// here; types may still come from 'ts-morph' (they are erased).
import type * as TsMorph from 'ts-morph';
import { requireWithCodeCache } from '../load/code-cache.js';

const tsMorph = requireWithCodeCache<typeof TsMorph>('ts-morph', import.meta.url);

export const Node = tsMorph.Node;
export type Node = TsMorph.Node;
export const Project = tsMorph.Project;
export type Project = TsMorph.Project;
export const SyntaxKind = tsMorph.SyntaxKind;
export type SyntaxKind = TsMorph.SyntaxKind;
/** The TypeScript compiler ts-morph bundles (types: `import type { ts } from 'ts-morph'`). */
export const typescript = tsMorph.ts;
