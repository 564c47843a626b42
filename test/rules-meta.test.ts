// Every rule is a module with a doc page and tests, listed in rules/index.ts under its own name.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allRules } from '../rules/index.js';
import type { Rule } from '../src/rule.js';

const rulesDir = join(import.meta.dirname, '..', 'rules');

const ruleModules = readdirSync(rulesDir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') && name !== 'index.ts')
  .map((name) => name.slice(0, -'.ts'.length))
  .sort();

describe('rules/', () => {
  it('holds rule modules', () => {
    expect(ruleModules.length).toBeGreaterThan(0);
  });

  for (const id of ruleModules) {
    describe(id, () => {
      it('has a doc page rules/<id>.md', () => {
        expect(existsSync(join(rulesDir, `${id}.md`)), `rules/${id}.md is missing`).toBe(true);
      });

      it('has tests rules/<id>.test.ts that run the rule tester on it', () => {
        const testFile = join(rulesDir, `${id}.test.ts`);
        expect(existsSync(testFile), `rules/${id}.test.ts is missing`).toBe(true);
        expect(readFileSync(testFile, 'utf8')).toContain(`ruleTester.run('${id}'`);
      });

      it('is listed in allRules, with the id of its file name and a docsUrl ending in <id>.md', async () => {
        const rule = ((await import(/* @vite-ignore */ pathToFileURL(join(rulesDir, `${id}.ts`)).href)) as { default: Rule }).default;
        expect(rule, `rules/${id}.ts has no default export`).toBeDefined();
        expect(rule.id).toBe(id);
        expect(allRules, `rules/index.ts does not list ${id}`).toContain(rule);
        expect(rule.meta.docsUrl.endsWith(`/${id}.md`), rule.meta.docsUrl).toBe(true);
      });
    });
  }

  it('allRules lists nothing that has no module of its own', () => {
    expect(allRules.map((rule) => rule.id).sort()).toEqual(ruleModules);
  });

  it('every doc page belongs to a rule', () => {
    const docs = readdirSync(rulesDir).filter((name) => name.endsWith('.md')).map((name) => name.slice(0, -'.md'.length));
    expect(docs.filter((id) => !ruleModules.includes(id))).toEqual([]);
  });
});
