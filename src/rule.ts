import type { MigrationModel, ProtocolResult, RuleSeverity, SourceLocation } from './types.js';

/** What a rule sees: the static model always, the dynamic verdicts when the migration was run. */
export interface RuleContext<MessageId extends string> {
  model: MigrationModel;
  result?: ProtocolResult;
  report(problem: {
    messageId: MessageId;
    data?: Record<string, string | number>;
    /** Defaults to the top of the file; `file` when the finding sits in another file (a golang-migrate .down.sql). */
    loc?: Pick<SourceLocation, 'line' | 'column'> & { file?: string };
  }): void;
}

export interface RuleMeta<MessageId extends string> {
  /** static: from the source alone; dynamic: from running the migration in an engine. */
  type: 'static' | 'dynamic';
  description: string;
  defaultSeverity: Exclude<RuleSeverity, 'off'>;
  /** Message templates keyed by id; `{{name}}` is filled from the report's data. */
  messages: Record<MessageId, string>;
  /** What to do instead, one line; `{{name}}` placeholders allowed. */
  help: string;
  /** Messages that are never more than a warning, whatever the rule's severity (a risk to know of, not a bug). */
  warnings?: NoInfer<MessageId>[];
}

export interface Rule<MessageId extends string = string> {
  id: string;
  meta: RuleMeta<MessageId> & { docsUrl: string };
  check(context: RuleContext<MessageId>): void;
}

export const docsBaseUrl = 'https://github.com/rollsafe/rollsafe/blob/main/rules/';

/** Keeps each rule file to what is unique to it, and makes message ids typed (a typo fails to compile). */
export function defineRule<MessageId extends string>(rule: {
  id: string;
  meta: RuleMeta<MessageId>;
  check(context: RuleContext<MessageId>): void;
}): Rule<MessageId> {
  return { ...rule, meta: { ...rule.meta, docsUrl: `${docsBaseUrl}${rule.id}.md` } };
}

export function fillTemplate(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}
