import { describe, expect, it } from 'vitest';
import { parseDirectives } from './directives.js';

describe('parseDirectives', () => {
  it('reads next-line, same-line and file directives in JS with rules and reasons', () => {
    const source = [
      "import type { Knex } from 'knex';",
      '/* rollsafe-disable round-trip -- the seed data cannot come back */',
      'export async function up(knex: Knex) {',
      '  // rollsafe-disable-next-line require-guard, idempotent-up -- created by the DBA once',
      "  await knex.schema.createTable('users', () => {});",
      "  await knex.raw('DROP TABLE legacy'); // rollsafe-disable-line require-guard",
      '}',
    ].join('\n');
    expect(parseDirectives(source, 'm.ts', 'js')).toEqual([
      { kind: 'disable-file', rules: ['round-trip'], reason: 'the seed data cannot come back', loc: { file: 'm.ts', line: 2, column: 1 } },
      {
        kind: 'disable-next-line',
        rules: ['require-guard', 'idempotent-up'],
        reason: 'created by the DBA once',
        loc: { file: 'm.ts', line: 4, column: 3 },
        appliesToLine: 5,
      },
      { kind: 'disable-line', rules: ['require-guard'], reason: undefined, loc: { file: 'm.ts', line: 6, column: 40 }, appliesToLine: 6 },
    ]);
  });

  it('ignores directive text inside JS strings, template literals and regexes', () => {
    const source = [
      "const a = '// rollsafe-disable-next-line require-guard';",
      'const b = `/* rollsafe-disable */ ${"// rollsafe-disable-line x"} // rollsafe-disable`;',
      'const c = /\\/\\/ rollsafe-disable/;',
      'const d = 4 / 2; // rollsafe-disable-line require-down -- after a division',
    ].join('\n');
    expect(parseDirectives(source, 'm.js', 'js')).toEqual([
      { kind: 'disable-line', rules: ['require-down'], reason: 'after a division', loc: { file: 'm.js', line: 4, column: 18 }, appliesToLine: 4 },
    ]);
  });

  it('tells a division after an increment or a closing paren from a regex (the parser decides, not a guess)', () => {
    const source = [
      'let n = 4;',
      'n = n++ / 2; // rollsafe-disable-line require-guard -- after a postfix increment',
      'const m = (n) / 2 / 1; // rollsafe-disable-line idempotent-up -- after a paren',
      'const re = /[/]/g.test("x") ? 1 : 2; // rollsafe-disable-line round-trip -- after a regex with a slash in a class',
    ].join('\n');
    expect(parseDirectives(source, 'm.ts', 'js').map((d) => [d.rules[0], d.appliesToLine])).toEqual([
      ['require-guard', 2],
      ['idempotent-up', 3],
      ['round-trip', 4],
    ]);
  });

  it('finds a directive in an empty block and after the last statement of the file', () => {
    const source = 'export function down() { /* rollsafe-disable-line no-empty-down -- nothing to undo */ }\n// rollsafe-disable-next-line require-guard';
    expect(parseDirectives(source, 'm.js', 'js').map((d) => d.rules[0])).toEqual(['no-empty-down', 'require-guard']);
  });

  it('means every rule when none is named, and does not take look-alike words as directives', () => {
    const source = '// rollsafe-disable-next-line\n// rollsafe-disabled for now\n// see rollsafe-disable-line docs\nx();';
    expect(parseDirectives(source, 'm.js', 'js')).toEqual([
      { kind: 'disable-next-line', rules: [], reason: undefined, loc: { file: 'm.js', line: 1, column: 1 }, appliesToLine: 2 },
    ]);
  });

  it('applies a multi-line block next-line directive to the line after the comment ends', () => {
    const source = '/* rollsafe-disable-next-line require-guard\n   -- legacy */\nx();';
    expect(parseDirectives(source, 'm.js', 'js')[0]).toMatchObject({ reason: 'legacy', appliesToLine: 3 });
  });

  it('reads SQL `--` and `/* */` comments but not quoted or dollar-quoted text', () => {
    const source = [
      '-- rollsafe-disable-next-line require-guard -- the table is created by the platform team',
      'CREATE TABLE audit_log (id bigint);',
      "INSERT INTO notes VALUES ('-- rollsafe-disable require-down');",
      "DO $$ BEGIN RAISE NOTICE '%', '/* rollsafe-disable */'; END $$; -- rollsafe-disable-line idempotent-up",
      "SELECT $tag$ -- rollsafe-disable $tag$;",
      '/* rollsafe-disable require-down -- data only */',
    ].join('\n');
    expect(parseDirectives(source, 'm.sql', 'sql')).toEqual([
      {
        kind: 'disable-next-line',
        rules: ['require-guard'],
        reason: 'the table is created by the platform team',
        loc: { file: 'm.sql', line: 1, column: 1 },
        appliesToLine: 2,
      },
      { kind: 'disable-line', rules: ['idempotent-up'], reason: undefined, loc: { file: 'm.sql', line: 4, column: 65 }, appliesToLine: 4 },
      { kind: 'disable-file', rules: ['require-down'], reason: 'data only', loc: { file: 'm.sql', line: 6, column: 1 } },
    ]);
  });

  it('reads Python `#` comments but not text in strings or docstrings', () => {
    const source = [
      '"""Add users.',
      '',
      '# rollsafe-disable require-down',
      '"""',
      "op.execute('# rollsafe-disable-line x')",
      '# rollsafe-disable-next-line require-guard --  kept as written  ',
      "op.create_table('users')",
    ].join('\n');
    expect(parseDirectives(source, 'versions/1.py', 'python')).toEqual([
      {
        kind: 'disable-next-line',
        rules: ['require-guard'],
        reason: 'kept as written',
        loc: { file: 'versions/1.py', line: 6, column: 1 },
        appliesToLine: 7,
      },
    ]);
  });
});
