import { closestName } from './config/closest-name.js';
import { fillTemplate, type Rule } from './rule.js';
import type { Directive, FileResult, Finding, MigrationModel, ProtocolResult, RuleSeverity } from './types.js';

export interface JudgeInput {
  model: MigrationModel;
  /** Absent when the migration was not run (parse error, static-only run). */
  result?: ProtocolResult;
  rules: Rule[];
  severities?: Record<string, RuleSeverity>;
}

type Located = Finding & { file: string };

function severityOf(rule: Rule, severities: Record<string, RuleSeverity> = {}): RuleSeverity {
  return severities[rule.id] ?? rule.meta.defaultSeverity;
}

/** Problems that are no rule's (ESLint reports these with ruleId null): the file could not be judged. */
function problemsOf(model: MigrationModel, result?: ProtocolResult): Located[] {
  const problems: Located[] = [];
  const top = model.up ?? { file: model.file, line: 1, column: 1 };
  const at = (loc: { file?: string; line: number; column: number }) => ({ file: loc.file ?? model.file, line: loc.line, column: loc.column });
  if (model.parseError) {
    // Loading or running a file that does not parse only fails again: the parse error says it all.
    problems.push({ ruleId: null, severity: 2, fatal: true, message: `Parsing error: ${model.parseError.message}`, ...at(model.parseError.loc) });
    return problems;
  }
  if (result?.loadError) {
    problems.push({
      ruleId: null,
      severity: 2,
      message: `Cannot load this migration: ${result.loadError.message}`,
      help: 'Fix the import or the code that runs when the file is loaded; the other migrations were still checked.',
      ...at(result.loadError.loc ?? top),
    });
  }
  if (result?.timedOut) {
    const seconds = Math.round(result.timedOut.ms / 100) / 10;
    problems.push({
      ruleId: null,
      severity: 2,
      message: `This migration did not finish within ${seconds} s (during ${result.timedOut.step}${result.timedOut.statement ? `, in \`${result.timedOut.statement}\`` : ''}); it was stopped.`,
      help: 'Look for an unresolved promise or a loop; raise timeouts.migrationMs in rollsafe.config.json if it is just slow.',
      ...at(top),
    });
  }
  if (result?.outOfMemory) {
    problems.push({
      ruleId: null,
      severity: 2,
      message: `This migration used more than ${result.outOfMemory.mb} MB of memory (during ${result.outOfMemory.step}); it was stopped.`,
      help: 'Look for a loop that keeps allocating, or rows loaded all at once; raise limits.memoryMb in rollsafe.config.json if it really needs more.',
      ...at(top),
    });
  }
  if (result?.internalError) {
    problems.push({
      ruleId: null,
      severity: 2,
      message: `rollsafe could not finish checking this migration on ${result.engine}: ${result.internalError.message}`,
      help: 'Rerun with --debug for the stack; the other migrations were still checked, each on a fresh engine.',
      ...at(top),
    });
  }
  if (result?.history?.internalError) {
    problems.push({
      ruleId: null,
      severity: 1,
      message: `The whole-history round trip (--all) stopped at this migration, twice on a fresh ${result.history.engine}: ${result.history.internalError}`,
      help: 'Rerun with --debug for the stack; this migration\'s own checks above still hold.',
      ...at(top),
    });
  }
  if (result?.crashed) {
    const during = result.crashed.step === 'load' ? 'loading' : result.crashed.step;
    problems.push({
      ruleId: null,
      severity: 2,
      message: `This migration stopped the check (during ${during}): ${result.crashed.message}.`,
      help: 'A migration must not end the process or leave work running after its step returns: await every query, and throw rather than exit.',
      ...at(top),
    });
  }
  if (result?.replayError && !result.replayError.unsupported) {
    problems.push({
      ruleId: null,
      severity: 1,
      message: `Not run: ${whyNotRun(result.replayError, result.engine)}`,
      help: 'Lint that migration too; this one is checked once the ones before it run.',
      ...at(top),
    });
  }
  return problems;
}

/** What really stopped the earlier migration: a load error is no engine's doing, a timeout no statement's. */
function whyNotRun(replayError: NonNullable<ProtocolResult['replayError']>, engine: string): string {
  const { migration, message } = replayError;
  if (replayError.cause === 'load') return `the earlier migration ${migration} cannot be loaded: ${message.replace(/^the migration /, '')}`;
  if (replayError.cause === 'stopped') return `the earlier migration ${migration} was stopped: ${message}`;
  return `a statement of the earlier migration ${migration} fails on ${engine}: ${message}`;
}

/** A directive needs a reason and known rule names; one that lacks either silences nothing and is reported. */
function checkDirectives(directives: Directive[], knownIds: string[]): { valid: Directive[]; problems: Located[] } {
  const valid: Directive[] = [];
  const problems: Located[] = [];
  for (const directive of directives) {
    const where = { file: directive.loc.file, line: directive.loc.line, column: directive.loc.column };
    const unknown = directive.rules.filter((id) => !knownIds.includes(id));
    for (const id of unknown) {
      const suggestion = closestName(id, knownIds);
      problems.push({
        ruleId: null,
        severity: 2,
        message: `rollsafe-${directive.kind} names an unknown rule '${id}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}.`,
        ...where,
      });
    }
    if (!directive.reason) {
      problems.push({
        ruleId: null,
        severity: 2,
        message: `rollsafe-${directive.kind} needs a reason: add \` -- why this is safe\` after the rule names.`,
        ...where,
      });
    }
    if (unknown.length === 0 && directive.reason) valid.push(directive);
  }
  return { valid, problems };
}

function silencedBy(finding: Located, directives: Directive[]): Directive | undefined {
  if (finding.ruleId === null) return undefined;
  return directives.find(
    (d) =>
      d.loc.file === finding.file &&
      (d.rules.length === 0 || d.rules.includes(finding.ruleId!)) &&
      (d.kind === 'disable-file' || d.appliesToLine === finding.line),
  );
}

function emptyResult(filePath: string): FileResult {
  return {
    filePath,
    messages: [],
    errorCount: 0,
    warningCount: 0,
    fatalErrorCount: 0,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
    suppressedMessages: [],
    usedDeprecatedRules: [],
  };
}

/**
 * Turns one migration's static model and dynamic verdicts into ESLint-shaped results: every enabled
 * rule reports, directives silence what they name, severities come from the config. A finding in
 * another file (a golang-migrate .down.sql) gets that file's result.
 */
export function judge({ model, result, rules, severities }: JudgeInput): FileResult[] {
  const knownIds = rules.map((rule) => rule.id);
  const { valid, problems } = checkDirectives(model.directives, knownIds);
  const located: Located[] = [...problemsOf(model, result), ...problems];
  // A file that does not parse has no trustworthy model: only its parse error is reported.
  if (!model.parseError) {
    for (const rule of rules) {
      const severity = severityOf(rule, severities);
      if (severity === 'off') continue;
      rule.check({
        model,
        result,
        report: ({ messageId, data, loc }) => {
          located.push({
            ruleId: rule.id,
            severity: severity === 'error' && !rule.meta.warnings?.includes(messageId) ? 2 : 1,
            message: fillTemplate(rule.meta.messages[messageId], data),
            help: fillTemplate(rule.meta.help, data),
            file: loc?.file ?? model.file,
            line: loc?.line ?? 1,
            column: loc?.column ?? 1,
            ...(rule.meta.type === 'dynamic' && result ? { engine: result.engine } : {}),
          });
        },
      });
    }
  }

  const byFile = new Map<string, FileResult>([[model.file, emptyResult(model.file)]]);
  for (const { file, ...finding } of located) {
    const fileResult = byFile.get(file) ?? byFile.set(file, emptyResult(file)).get(file)!;
    const directive = silencedBy({ file, ...finding }, valid);
    if (directive) {
      fileResult.suppressedMessages.push({ ...finding, suppressions: [{ kind: 'directive', justification: directive.reason ?? '' }] });
      continue;
    }
    fileResult.messages.push(finding);
    if (finding.severity === 2) fileResult.errorCount++;
    else fileResult.warningCount++;
    if (finding.fatal) fileResult.fatalErrorCount++;
  }
  for (const fileResult of byFile.values()) {
    fileResult.messages.sort((a, b) => a.line - b.line || a.column - b.column);
  }
  return [...byFile.values()];
}
