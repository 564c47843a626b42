// ts-morph is loaded through ./ts-morph.ts (require, not import) because importing it from ESM costs
// every hook run about half a second: this keeps a value import from creeping back in.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Node, Project, SyntaxKind } from './ts-morph.js';

const srcDir = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('ts-morph loading', () => {
  it('gives the same working API as importing it', () => {
    const file = new Project({ useInMemoryFileSystem: true }).createSourceFile('m.ts', 'export const up = () => 1;');
    const declaration = file.getFirstDescendantByKind(SyntaxKind.VariableDeclaration);
    expect(Node.isVariableDeclaration(declaration)).toBe(true);
    expect(declaration?.getName()).toBe('up');
  });

  it('no module of src imports values from ts-morph directly (types are fine)', () => {
    const offenders = sourceFiles(srcDir)
      .filter((path) => /^import\s+(?!type\b)[^;]*from\s+['"]ts-morph['"]/m.test(readFileSync(path, 'utf8')))
      .map((path) => relative(srcDir, path))
      .filter((path) => path !== join('frameworks', 'ts-morph.ts'));
    expect(offenders).toEqual([]);
  });
});
