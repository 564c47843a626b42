import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'require-guard',
  meta: {
    type: 'static',
    description: 'DDL carries a guard (IF [NOT] EXISTS or an existence check) so a second run neither fails nor duplicates.',
    defaultSeverity: 'error',
    messages: {
      unguarded: '{{what}} has no guard: running this {{direction}} twice fails or duplicates it.',
    },
    help: 'Guard it: {{fix}}',
  },
  check({ model, report }) {
    for (const operation of model.operations) {
      if (!operation.needsGuard || operation.guarded) continue;
      report({
        messageId: 'unguarded',
        data: {
          what: operation.target ? `${operation.kind} ${operation.target}` : operation.kind,
          direction: operation.direction,
          fix: operation.fix ?? 'add IF [NOT] EXISTS or wrap it in an existence check',
        },
        loc: operation.loc,
      });
    }
  },
});
