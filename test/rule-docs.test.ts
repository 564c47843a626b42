// Every rule doc's examples are linted: an `incorrect` block must produce that rule's finding, a
// `correct` block must not.
//
// The convention, for the writers of rules/<id>.md:
// - An example is a fenced block whose info string is `<lang> <framework> <incorrect|correct> [no-fallback]`,
//   e.g. ```ts knex incorrect, ```sql golang-migrate correct. Other blocks (```ts, ```json) are prose.
// - A block is a migration set. A line that is only `-- file: NAME` or `// file: NAME` starts the file
//   NAME (the marker line is not part of it). Without markers the block is one file named
//   20240101120000_example.ts (knex), 1700000000000_example.ts (node-pg-migrate),
//   001_example.up.sql (golang-migrate) or 20240101120000_example.sql (dbmate).
// - The LAST file is the migration reported on; earlier ones are replayed before it. A finding in any
//   file of the set counts (golang-migrate reports a bad down in its .down.sql).
// - `no-fallback` lints the block with `fallback: false` (pg-mem's failures not re-checked on PGlite).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintCase, type TestFramework } from './rule-tester.js';

const rulesDir = join(import.meta.dirname, '..', 'rules');

const defaultFileName: Record<TestFramework, string> = {
  knex: '20240101120000_example.ts',
  'node-pg-migrate': '1700000000000_example.ts',
  'golang-migrate': '001_example.up.sql',
  dbmate: '20240101120000_example.sql',
  typeorm: '1700000000000-Example.ts',
  kysely: '2024_01_01_120000_example.ts',
  sequelize: '20240101120000-example.js',
  'mikro-orm': 'Migration20240101120000.ts',
  alembic: 'versions/20240101_example.py',
  diesel: 'migrations/2024-01-01-120000_example/up.sql',
};

const frameworks = Object.keys(defaultFileName) as TestFramework[];

interface DocExample {
  framework: TestFramework;
  verdict: 'incorrect' | 'correct';
  noFallback: boolean;
  /** 1-based line of the opening fence in the doc. */
  line: number;
  files: Record<string, string>;
}

/** The examples of one doc page, with the files each one's markers give. */
function docExamples(markdown: string): DocExample[] {
  const examples: DocExample[] = [];
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S+)\s+(.*)$/.exec(lines[i]);
    if (!fence) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) body.push(lines[j++]);
    const words = fence[2].trim().split(/\s+/);
    const framework = frameworks.find((name) => words.includes(name));
    const verdict = words.includes('incorrect') ? 'incorrect' : words.includes('correct') ? 'correct' : undefined;
    if (framework && verdict) {
      examples.push({ framework, verdict, noFallback: words.includes('no-fallback'), line: i + 1, files: splitFiles(body, framework) });
    }
    i = j;
  }
  return examples;
}

function splitFiles(body: string[], framework: TestFramework): Record<string, string> {
  const files: [string, string[]][] = [[defaultFileName[framework], []]];
  for (const line of body) {
    const marker = /^\s*(?:--|\/\/)\s*file:\s*(\S+)\s*$/.exec(line);
    if (marker) files.push([marker[1], []]);
    else files.at(-1)![1].push(line);
  }
  const set: Record<string, string> = {};
  for (const [name, content] of files) {
    const text = content.join('\n').trim();
    // The default file exists only when something precedes the first marker.
    if (text || name !== defaultFileName[framework]) set[name] = `${text}\n`;
  }
  return set;
}

const docs = readdirSync(rulesDir)
  .filter((name) => name.endsWith('.md'))
  .map((name) => ({ id: name.slice(0, -'.md'.length), markdown: readFileSync(join(rulesDir, name), 'utf8') }));

describe('rule docs', () => {
  it('exist', () => {
    expect(docs.length).toBeGreaterThan(0);
  });

  it('read examples by their info string and split them into files at their markers', () => {
    const page = [
      '```sql golang-migrate incorrect no-fallback',
      '-- file: 001_a.up.sql',
      'CREATE TABLE a (id int);',
      '',
      '-- file: 001_a.down.sql',
      'DROP TABLE a;',
      '```',
      '```ts',
      'not an example',
      '```',
      '```ts knex correct',
      'export async function up() {}',
      '```',
    ].join('\n');
    expect(docExamples(page)).toEqual([
      {
        framework: 'golang-migrate',
        verdict: 'incorrect',
        noFallback: true,
        line: 1,
        files: { '001_a.up.sql': 'CREATE TABLE a (id int);\n', '001_a.down.sql': 'DROP TABLE a;\n' },
      },
      { framework: 'knex', verdict: 'correct', noFallback: false, line: 11, files: { '20240101120000_example.ts': 'export async function up() {}\n' } },
    ]);
  });

  for (const { id, markdown } of docs) {
    describe(id, () => {
      const examples = docExamples(markdown);

      it('has a title, the sections every rule page has, and examples of both kinds per framework', () => {
        expect(markdown.split('\n')[0]).toBe(`# ${id}`);
        for (const section of ['## Problem', '## Solution', '## Examples', '## How to disable', '## Options']) {
          expect(markdown, `${id}.md has no "${section}"`).toContain(`\n${section}\n`);
        }
        expect(markdown).toContain(`"${id}"`);
        const shown = new Set(examples.map((example) => example.framework));
        expect(shown.size, `${id}.md shows no framework`).toBeGreaterThan(0);
        for (const framework of shown) {
          const verdicts = new Set(examples.filter((e) => e.framework === framework).map((e) => e.verdict));
          expect([...verdicts].sort(), `${id}.md, ${framework}`).toEqual(['correct', 'incorrect']);
        }
      });

      for (const example of examples) {
        const title = `${example.framework} ${example.verdict}${example.noFallback ? ' (no fallback)' : ''} example at ${id}.md:${example.line}`;
        it(title, async () => {
          const { findings } = await lintCase({
            framework: example.framework,
            files: example.files,
            options: example.noFallback ? { fallback: false } : undefined,
          });
          // An example that does not load or parse would pass as correct without proving anything.
          expect(findings.filter((f) => f.ruleId === null).map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([]);
          const own = findings.filter((f) => f.ruleId === id).map((f) => `${f.file}:${f.line} ${f.message}`);
          if (example.verdict === 'incorrect') expect(own, `expected a ${id} finding`).not.toEqual([]);
          else expect(own).toEqual([]);
        }, 120_000);
      }
    });
  }
});
