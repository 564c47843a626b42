import type { Rule } from '../src/rule.js';
import engineUnsupported from './engine-unsupported.js';
import floatingQuery from './floating-query.js';
import idempotentDown from './idempotent-down.js';
import idempotentUp from './idempotent-up.js';
import noEmptyDown from './no-empty-down.js';
import preservesData from './preserves-data.js';
import requireDown from './require-down.js';
import requireGuard from './require-guard.js';
import resumableUp from './resumable-up.js';
import roundTrip from './round-trip.js';
import sandboxViolation from './sandbox-violation.js';
import singleHead from './single-head.js';
import upRuns from './up-runs.js';

/** Every rule rollsafe knows, in the order findings of one line are listed. */
export const allRules: Rule[] = [
  requireDown,
  noEmptyDown,
  requireGuard,
  singleHead,
  upRuns,
  idempotentUp,
  idempotentDown,
  roundTrip,
  resumableUp,
  preservesData,
  floatingQuery,
  sandboxViolation,
  engineUnsupported,
] as Rule[];

export const ruleIds = allRules.map((rule) => rule.id);
