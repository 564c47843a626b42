import { describe, expect, it } from 'vitest';
import { transformSync } from './transpile.js';

describe('transformSync (esbuild look-alike for tsx inside the sandbox)', () => {
  it('turns ESM TypeScript into CommonJS inside tsx banner and footer, with a source map of the file', () => {
    const source = `import type { Knex } from 'knex';
import { helper } from './helper';

export async function up(knex: Knex): Promise<void> {
  await helper(knex as unknown as string);
}
export default { up };
`;
    const { code, map } = transformSync(source, { format: 'cjs', loader: 'ts', sourcefile: '/p/m.ts', banner: '__filename="/p/m.ts";(()=>{', footer: '})()' });
    expect(code.startsWith('__filename="/p/m.ts";(()=>{')).toBe(true);
    expect(code.endsWith('})()')).toBe(true);
    expect(code).toContain('require("./helper")');
    expect(code).not.toContain("from 'knex'");
    expect(code).not.toMatch(/: Knex|Promise<void>/);
    expect(JSON.parse(map)).toMatchObject({ version: 3, sources: ['/p/m.ts'] });
  });

  it('keeps legacy decorators and their metadata when the tsconfig asks for them', () => {
    const source = `function Entity(): ClassDecorator { return () => undefined; }
@Entity()
export class User { constructor(readonly name: string) {} }
`;
    const { code } = transformSync(source, {
      format: 'cjs',
      sourcefile: '/p/user.ts',
      tsconfigRaw: { compilerOptions: { experimentalDecorators: true, emitDecoratorMetadata: true } },
    });
    expect(code).toContain('__decorate');
    expect(code).toContain('design:paramtypes');
  });

  it('replaces import.meta with the value tsx defines for it', () => {
    const { code } = transformSync('export const here = import.meta.url;', { format: 'cjs', sourcefile: '/p/a.ts', define: { 'import.meta': '{"url":"file:///p/a.ts"}' } });
    expect(code).toContain('file:///p/a.ts');
    expect(code).not.toContain('import.meta');
  });
});
