import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'up-runs',
  meta: {
    type: 'dynamic',
    description: 'up runs without error on the schema the earlier migrations leave.',
    defaultSeverity: 'error',
    messages: {
      fails: 'up fails on the schema the earlier migrations leave: {{error}}',
      failsFirst:
        'up fails on an empty database: {{error}}. If the project prepares the database before its first migration (a schema, an extension, a role, a schema dump), declare it for this set in rollsafe.config.json: "setup" (SQL) or "baseline" (a SQL file)',
    },
    help: 'Fix the statement so it runs after the migrations before it; check names, types and order.',
  },
  check({ model, result, report }) {
    const step = result?.steps.find((s) => s.step === 'up');
    if (!step || step.ok || step.error?.unsupported) return;
    // A connection the sandbox refused is sandbox-violation's finding, not a second one here.
    if (result?.sandboxViolations?.some((violation) => violation.loc && violation.loc.line === step.error?.loc?.line)) return;
    report({ messageId: result?.firstOfSet ? 'failsFirst' : 'fails', data: { error: step.error?.message ?? 'unknown error' }, loc: step.error?.loc ?? model.up });
  },
});
