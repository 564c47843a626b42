import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'no-empty-down',
  meta: {
    type: 'static',
    description: 'A down that does nothing is a rollback that silently keeps everything up did.',
    defaultSeverity: 'error',
    messages: {
      empty: 'The down does nothing: rolling back leaves every change of up in place.',
    },
    help: 'Undo what up does in down, or, if it truly cannot be undone, say so with a rollsafe-disable directive and a reason.',
  },
  check({ model, report }) {
    if (model.down.status === 'present' && model.down.empty) report({ messageId: 'empty', loc: model.down.loc });
  },
});
