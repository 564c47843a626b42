import chalk from 'chalk';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { explainRule, rulesDocsDir, UnknownRuleError } from './explain.js';

const page = `# require-guard

DDL carries a **guard** so a second run neither fails nor duplicates.

## Incorrect

\`\`\`ts
await knex.schema.createTable('orders', (table) => {
  table.increments('id');
});
\`\`\`

See [the knex docs](https://knexjs.org/guide/schema-builder.html) and \`hasTable\`.
`;

function rulesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-rules-'));
  writeFileSync(join(dir, 'require-guard.md'), page);
  writeFileSync(join(dir, 'require-down.md'), '# require-down\n');
  return dir;
}

describe('explainRule', () => {
  it('renders headings without #, code blocks indented, links with their url', () => {
    const level = chalk.level;
    chalk.level = 0;
    try {
      expect(explainRule('require-guard', rulesDir())).toBe(
        [
          'require-guard',
          '',
          'DDL carries a guard so a second run neither fails nor duplicates.',
          '',
          'Incorrect',
          '',
          '    ts:',
          "    await knex.schema.createTable('orders', (table) => {",
          "      table.increments('id');",
          '    });',
          '',
          'See the knex docs (https://knexjs.org/guide/schema-builder.html) and hasTable.',
          '',
        ].join('\n'),
      );
    } finally {
      chalk.level = level;
    }
  });

  it('makes headings bold and code dim when colour is on', () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      const text = explainRule('require-guard', rulesDir());
      expect(text).toContain(chalk.bold('Incorrect'));
      expect(text).toContain(chalk.dim("      table.increments('id');"));
      expect(stripVTControlCharacters(text)).toContain('require-guard\n');
    } finally {
      chalk.level = level;
    }
  });

  it('names the closest known rule for an unknown id', () => {
    expect(() => explainRule('require-gaurd', rulesDir())).toThrow(new UnknownRuleError('unknown rule "require-gaurd" (did you mean require-guard?)'));
    expect(() => explainRule('no-such-thing', rulesDir())).toThrow('unknown rule "no-such-thing"');
  });
});

describe('rulesDocsDir', () => {
  it("is the rules folder next to rollsafe's own package.json", () => {
    const dir = rulesDocsDir();
    const manifest = JSON.parse(readFileSync(join(dirname(dir), 'package.json'), 'utf8')) as { name: string };
    expect(manifest.name).toBe('rollsafe');
    expect(existsSync(join(dir, 'index.ts'))).toBe(true);
  });
});
