import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'require-down',
  meta: {
    type: 'static',
    description: 'Every migration has a working down (rollback).',
    defaultSeverity: 'error',
    messages: {
      missing: 'This migration has no down: it cannot be rolled back.',
      disabled: 'The down is declared irreversible (down = false): this migration cannot be rolled back.',
      notDerivable: 'down is omitted and the framework cannot derive it: {{reason}}.',
    },
    help: 'Write a down that undoes exactly what up does, guarded so it can run twice.',
  },
  check({ model, report }) {
    const { down } = model;
    const loc = down.loc;
    if (down.status === 'missing') report({ messageId: 'missing', loc });
    else if (down.status === 'disabled') report({ messageId: 'disabled', loc });
    else if (down.status === 'not-derivable') {
      report({ messageId: 'notDerivable', data: { reason: down.reason ?? 'an operation in up is irreversible' }, loc });
    }
  },
});
