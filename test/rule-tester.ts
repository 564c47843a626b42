// ESLint-RuleTester-style tests as data: each case is a small migration set written into a temp
// project and linted through the whole pipeline (discover -> analyse -> run -> judge), because the
// dynamic rules only exist once the migration has really run in an engine.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allRules } from '../rules/index.js';
import { lint, type LintOptions } from '../src/index.js';
import type { Rule } from '../src/rule.js';
import type { FileResult, Finding, FrameworkName } from '../src/types.js';

export type TestFramework = FrameworkName;

export interface RuleTestCase {
  name?: string;
  framework: TestFramework;
  /**
   * The migration set, in order; the LAST file is the migration reported on (the earlier ones are
   * only replayed). A bare name goes into `migrations/`; a name with a `/` is relative to the project.
   */
  files: Record<string, string>;
  only?: boolean;
  /** lint() options for this case, e.g. `{ fallback: false }` for --no-fallback. */
  options?: Pick<LintOptions, 'fallback' | 'engine'>;
  /** Written as rollsafe.config.json, e.g. `{ rules: { 'require-guard': 'warn' } }`. */
  config?: Record<string, unknown>;
  /**
   * Problems that are no rule's (ruleId null: bad directives, load errors), checked exactly. Absent
   * means none: as in ESLint, a case that does not even load cannot pass as valid.
   */
  problems?: { message: RegExp; line: number }[];
}

export interface ExpectedError {
  messageId?: string;
  message?: RegExp;
  line: number;
  /** The file the finding sits in, when it is not the reported one (a golang-migrate .down.sql). */
  file?: string;
  severity?: 1 | 2;
}

export interface InvalidRuleTestCase extends RuleTestCase {
  errors: ExpectedError[];
}

export interface RuleTests {
  valid: RuleTestCase[];
  invalid: InvalidRuleTestCase[];
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const caseTimeoutMs = 60_000;

/** The npm package each code framework is resolved from; the SQL frameworks are binaries. */
const frameworkPackage: Partial<Record<TestFramework, string>> = {
  knex: 'knex',
  'node-pg-migrate': 'node-pg-migrate',
  typeorm: 'typeorm',
  kysely: 'kysely',
  sequelize: 'sequelize',
  'mikro-orm': '@mikro-orm/migrations',
};

/** A finding with the base name of the file it sits in. */
export type CaseFinding = Finding & { file: string };

export interface CaseOutcome {
  findings: CaseFinding[];
  suppressed: CaseFinding[];
  results: FileResult[];
}

function writeProject(testCase: RuleTestCase): { dir: string; target: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rollsafe-rule-'));
  const pkg = frameworkPackage[testCase.framework];
  const manifest = { name: 'rule-case', private: true, type: 'module', ...(pkg ? { dependencies: { [pkg]: '*' } } : {}) };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  // The frameworks must resolve from the project, as they would in a user's checkout.
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // A generous per-migration timeout: PGlite boots slowly when test files run in parallel, and no case tests timeouts.
  const config = { timeouts: { migrationMs: caseTimeoutMs }, ...testCase.config };
  writeFileSync(join(dir, 'rollsafe.config.json'), JSON.stringify(config, null, 2));
  let target = '';
  for (const [name, source] of Object.entries(testCase.files)) {
    const path = join(dir, name.includes('/') ? name : join('migrations', name));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, source);
    target = path;
  }
  if (!target) throw new Error('a rule test case needs at least one file');
  return { dir, target };
}

/** Lints one case's reported migration in a throwaway project; every file's findings come back. */
export async function lintCase(testCase: RuleTestCase): Promise<CaseOutcome> {
  const { dir, target } = writeProject(testCase);
  try {
    const { results } = await lint({ cwd: dir, paths: [target], all: false, staged: false, ...testCase.options });
    const findings = results.flatMap((r) => r.messages.map((m) => ({ ...m, file: basename(r.filePath) })));
    const suppressed = results.flatMap((r) => r.suppressedMessages.map((m) => ({ ...m, file: basename(r.filePath) })));
    return { findings, suppressed, results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rule's message template as a pattern: `{{x}}` matches any text. */
export function templatePattern(template: string): RegExp {
  const parts = template.split(/\{\{\s*\w+\s*\}\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]+')}$`);
}

function describeFinding(f: CaseFinding): string {
  return `${f.file}:${f.line} ${f.ruleId ?? '(no rule)'}: ${f.message}`;
}

const byPlace = (a: { file: string; line: number }, b: { file: string; line: number }) =>
  a.file.localeCompare(b.file) || a.line - b.line;

function caseTitle(testCase: RuleTestCase, index: number): string {
  return `${testCase.framework}: ${testCase.name ?? Object.keys(testCase.files).at(-1)} (#${index + 1})`;
}

function checkProblems(testCase: RuleTestCase, findings: CaseFinding[]): void {
  const expected = testCase.problems ?? [];
  const reported = basename(Object.keys(testCase.files).at(-1)!);
  const problems = findings.filter((f) => f.ruleId === null);
  expect(problems.length, `problems with ruleId null:\n${problems.map(describeFinding).join('\n')}`).toBe(expected.length);
  expected.forEach((want, i) => {
    expect(problems[i].file).toBe(reported);
    expect(problems[i].line, describeFinding(problems[i])).toBe(want.line);
    expect(problems[i].message).toMatch(want.message);
  });
}

export class RuleTester {
  /** Creates a vitest `describe` for the rule with one `it` per case. */
  run(ruleId: string, tests: RuleTests): void {
    const rule: Rule | undefined = allRules.find((r) => r.id === ruleId);
    describe(ruleId, () => {
      it('is a known rule', () => {
        expect(rule, `${ruleId} is not in rules/index.ts`).toBeDefined();
      });
      if (!rule) return;

      describe('valid', () => {
        tests.valid.forEach((testCase, index) => {
          const test = testCase.only ? it.only : it;
          test(caseTitle(testCase, index), async () => {
            const { findings } = await lintCase(testCase);
            const own = findings.filter((f) => f.ruleId === ruleId);
            expect(own.map(describeFinding), `unexpected ${ruleId} findings`).toEqual([]);
            checkProblems(testCase, findings);
          }, 2 * caseTimeoutMs);
        });
      });

      describe('invalid', () => {
        tests.invalid.forEach((testCase, index) => {
          const test = testCase.only ? it.only : it;
          test(caseTitle(testCase, index), async () => {
            // As ESLint's RuleTester: an invalid case must say what it expects.
            expect(testCase.errors.length, 'an invalid case needs at least one expected error').toBeGreaterThan(0);
            const reported = basename(Object.keys(testCase.files).at(-1)!);
            const { findings } = await lintCase(testCase);
            const own = findings.filter((f) => f.ruleId === ruleId).sort(byPlace);
            const expected = testCase.errors
              .map((e) => ({ ...e, file: e.file ?? reported }))
              .sort(byPlace);
            expect(own.length, `${ruleId} findings; all findings of the case:\n${findings.map(describeFinding).join('\n')}`).toBe(expected.length);
            expected.forEach((want, i) => {
              const got = own[i];
              const where = describeFinding(got);
              expect(`${got.file}:${got.line}`, where).toBe(`${want.file}:${want.line}`);
              if (want.messageId) {
                const template = (rule.meta.messages as Record<string, string>)[want.messageId];
                expect(template, `${ruleId} has no messageId '${want.messageId}'`).toBeDefined();
                expect(got.message, where).toMatch(templatePattern(template));
              }
              if (want.message) expect(got.message, where).toMatch(want.message);
              if (want.severity) expect(got.severity, where).toBe(want.severity);
            });
            checkProblems(testCase, findings);
          }, 2 * caseTimeoutMs);
        });
      });
    });
  }
}

export const ruleTester = new RuleTester();
