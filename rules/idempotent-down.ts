import { rerunMessages, rerunReport } from '../src/data-reruns.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'idempotent-down',
  meta: {
    type: 'dynamic',
    description: 'Running down a second time succeeds, and inserts, deletes or changes no row again.',
    defaultSeverity: 'error',
    messages: {
      fails: 'down fails when run a second time: {{error}}',
      ...rerunMessages,
    },
    help: 'Guard each statement of down (IF EXISTS, existence checks) and each data change (WHERE the value is still converted, ON CONFLICT DO NOTHING) so a retried rollback is harmless.',
  },
  check({ model, result, report }) {
    const step = result?.steps.find((s) => s.step === 'down-again');
    if (step && !step.ok && !step.error?.unsupported) {
      report({ messageId: 'fails', data: { error: step.error?.message ?? 'unknown error' }, loc: step.error?.loc ?? model.down.loc });
    }
    for (const change of result?.downDataRerun ?? []) report(rerunReport(change, 'down', model.down.loc, model.up));
  },
});
