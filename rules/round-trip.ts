import { defineRule } from '../src/rule.js';
import { phraseChanges } from '../src/schema-changes.js';

export default defineRule({
  id: 'round-trip',
  meta: {
    type: 'dynamic',
    description: 'down restores the exact schema from before up, and up works again after it.',
    defaultSeverity: 'error',
    messages: {
      downFails: 'down fails after up: {{error}}',
      downChanges: 'down does not restore the schema from before up: {{changes}}',
      upAgainFails: 'up fails after down: {{error}}',
      upAgainChanges: 'up after down does not rebuild the same schema: {{changes}}',
      historyResidue: "down to the base leaves {{objects}}, created by this migration's up",
      historyDownFails: 'down fails when the whole history is rolled back to the base: {{error}}',
    },
    help: 'Make down undo exactly what up does (every table, column, index, constraint and type), in reverse order.',
  },
  check({ model, result, report }) {
    if (!result) return;
    const down = result.steps.find((s) => s.step === 'down');
    const upAgain = result.steps.find((s) => s.step === 'up-after-down');
    if (down && !down.ok && !down.error?.unsupported) {
      report({ messageId: 'downFails', data: { error: down.error?.message ?? 'unknown error' }, loc: down.error?.loc ?? model.down.loc });
      return;
    }
    if (result.downChanges?.length) {
      report({ messageId: 'downChanges', data: { changes: phraseChanges(result.downChanges, 'after-down') }, loc: model.down.loc });
    }
    if (upAgain && !upAgain.ok && !upAgain.error?.unsupported) {
      report({ messageId: 'upAgainFails', data: { error: upAgain.error?.message ?? 'unknown error' }, loc: upAgain.error?.loc ?? model.up });
      return;
    } else if (result.upAfterDownChanges?.length) {
      report({ messageId: 'upAgainChanges', data: { changes: phraseChanges(result.upAfterDownChanges, 'after-up-again') }, loc: model.up });
      return;
    }
    // lint --all: its own round trip holds, yet rolling the whole history back leaves or breaks something of its.
    if (result.downChanges?.length || !result.history) return;
    const { residue, downError } = result.history;
    if (downError && !downError.unsupported) {
      report({ messageId: 'historyDownFails', data: { error: downError.message }, loc: downError.loc ?? model.down.loc });
    }
    if (residue?.length) {
      const objects = residue.slice(0, 3).map((change) => change.object).join(', ') + (residue.length > 3 ? ` and ${residue.length - 3} more` : '');
      report({ messageId: 'historyResidue', data: { objects }, loc: model.down.loc });
    }
  },
});
