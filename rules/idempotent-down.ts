import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'idempotent-down',
  meta: {
    type: 'dynamic',
    description: 'Running down a second time succeeds.',
    defaultSeverity: 'error',
    messages: {
      fails: 'down fails when run a second time: {{error}}',
    },
    help: 'Guard each statement of down (IF EXISTS, existence checks) so a retried rollback is harmless.',
  },
  check({ model, result, report }) {
    const step = result?.steps.find((s) => s.step === 'down-again');
    if (!step || step.ok || step.error?.unsupported) return;
    report({ messageId: 'fails', data: { error: step.error?.message ?? 'unknown error' }, loc: step.error?.loc ?? model.down.loc });
  },
});
