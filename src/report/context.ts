import { isAbsolute, relative, sep } from 'node:path';
import type { Rule } from '../rule.js';
import type { FileResult, Finding } from '../types.js';

/** What every formatter gets besides the results. */
export interface FormatContext {
  cwd: string;
  /** Every known rule, for SARIF descriptors. */
  rules: Rule[];
}

export type Formatter = (results: FileResult[], context: FormatContext) => string;

/** The path as the user typed it: relative to cwd with forward slashes, absolute when outside cwd. */
export function displayPath(filePath: string, cwd: string): string {
  const rel = relative(cwd, filePath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return filePath;
  return rel.split(sep).join('/');
}

/** Ids for findings that are no rule's (ruleId null), so machine formats always name something. */
export const ruleLessIds = {
  fatal: 'rollsafe/parse-error',
  other: 'rollsafe/problem',
} as const;

export const ruleLessDescriptions: Record<string, string> = {
  [ruleLessIds.fatal]: 'The migration could not be read or parsed, so nothing else in it was checked.',
  [ruleLessIds.other]: 'A problem that is no rule\'s: the migration failed to load, or a disable directive is invalid.',
};

export function reportedRuleId(finding: Finding): string {
  if (finding.ruleId !== null) return finding.ruleId;
  return finding.fatal ? ruleLessIds.fatal : ruleLessIds.other;
}

export function countProblems(results: FileResult[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const result of results) {
    for (const finding of result.messages) {
      if (finding.severity === 2) errors++;
      else warnings++;
    }
  }
  return { errors, warnings };
}
