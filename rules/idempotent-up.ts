import { rerunMessages, rerunReport } from '../src/data-reruns.js';
import { defineRule } from '../src/rule.js';
import { phraseChanges } from '../src/schema-changes.js';

export default defineRule({
  id: 'idempotent-up',
  meta: {
    type: 'dynamic',
    description: 'Running up a second time succeeds, leaves the same schema, and inserts, deletes or changes no row again.',
    defaultSeverity: 'error',
    messages: {
      fails: 'up fails when run a second time: {{error}}',
      changes: 'up is not idempotent: {{changes}}',
      ...rerunMessages,
    },
    help: 'Guard each statement (IF NOT EXISTS, existence checks) and each data change (ON CONFLICT DO NOTHING, WHERE NOT EXISTS, WHERE new_column IS NULL) so a re-run after a partial deploy is harmless.',
  },
  check({ model, result, report }) {
    const step = result?.steps.find((s) => s.step === 'up-again');
    if (step && !step.ok && !step.error?.unsupported) {
      report({ messageId: 'fails', data: { error: step.error?.message ?? 'unknown error' }, loc: step.error?.loc ?? model.up });
    } else if (result?.upAgainChanges?.length) {
      report({ messageId: 'changes', data: { changes: phraseChanges(result.upAgainChanges, 'after-second-up') }, loc: model.up });
    }
    for (const change of result?.upDataRerun ?? []) report(rerunReport(change, 'up', model.up, model.down.status === 'present' ? model.down.loc : undefined));
  },
});
