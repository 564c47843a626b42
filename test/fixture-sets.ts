// The fixture sets under test/fixtures/<framework>/<set>/, each with the findings it must produce.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FrameworkName } from '../src/types.js';

export const fixturesRoot = join(import.meta.dirname, 'fixtures');

export interface FixtureSet {
  framework: FrameworkName;
  name: string;
  dir: string;
  files: string[];
  expected: Record<string, string[]>;
  /** `"$all": true` in expected.json: linted as `lint --all` (the whole-history pass included), not file by file. */
  all: boolean;
}

export function fixtureSets(): FixtureSet[] {
  const sets: FixtureSet[] = [];
  if (!existsSync(fixturesRoot)) return sets;
  for (const framework of readdirSync(fixturesRoot)) {
    const frameworkDir = join(fixturesRoot, framework);
    if (!statSync(frameworkDir).isDirectory()) continue;
    for (const name of readdirSync(frameworkDir)) {
      const dir = join(frameworkDir, name);
      const expectedPath = join(dir, 'expected.json');
      if (!existsSync(expectedPath)) continue;
      const { $all, ...expected } = JSON.parse(readFileSync(expectedPath, 'utf8')) as Record<string, string[]> & { $all?: boolean };
      sets.push({ framework: framework as FrameworkName, name, dir, files: Object.keys(expected).map((file) => join(dir, file)), expected, all: $all === true });
    }
  }
  return sets;
}

/** The down half of a migration kept in two files (golang-migrate's `.down.sql`, diesel's `down.sql`): reported with its up, never linted alone. */
export function isDownHalf(file: string): boolean {
  return /(?:^|[./\\])down\.sql$/.test(file);
}

/** The findings of a lint run in expected.json's shape, for the files it reported on. */
export function verdicts(results: { filePath: string; messages: { ruleId: string | null; line: number }[] }[], dir: string) {
  const actual: Record<string, string[]> = {};
  for (const result of results) {
    actual[relative(dir, result.filePath)] = result.messages.map((m) => `${m.ruleId}@${m.line}`).sort();
  }
  return actual;
}

