import { defineRule } from '../src/rule.js';
import type { SchemaChange } from '../src/types.js';

export default defineRule({
  id: 'resumable-up',
  meta: {
    type: 'dynamic',
    description: 'An up that does not run in one transaction can be run again after it stopped half-way, and finishes the job.',
    defaultSeverity: 'error',
    messages: {
      failsAfterStop:
        'up does not run in one transaction, and if it stops after statement {{position}} of {{of}} (`{{statement}}`), running it again fails: {{error}}',
      stuckAfterStop:
        'up does not run in one transaction, and if it stops after statement {{position}} of {{of}} (`{{statement}}`), running it again does not finish the job: {{changes}}',
    },
    help: 'Guard each statement on its own (IF NOT EXISTS, hasColumn per column) rather than the whole up on its first object, or let up run in a transaction.',
  },
  check({ model, result, report }) {
    const failure = result?.resumeFailure;
    if (!failure || failure.error?.unsupported) return;
    const data = { position: failure.afterStatement.position, of: failure.afterStatement.of, statement: failure.afterStatement.sql };
    if (failure.error) {
      report({ messageId: 'failsAfterStop', data: { ...data, error: failure.error.message }, loc: failure.error.loc ?? model.up });
    } else if (failure.changes?.length) {
      report({ messageId: 'stuckAfterStop', data: { ...data, changes: phrase(failure.changes) }, loc: model.up });
    }
  },
});

function phrase(changes: SchemaChange[]): string {
  const shown = changes.slice(0, 3).map((change) =>
    change.kind === 'added' ? `${change.object} is extra` : change.kind === 'removed' ? `${change.object} is never created` : `${change.object} differs (${change.detail ?? 'definition'})`,
  );
  return shown.join('; ') + (changes.length > 3 ? `; and ${changes.length - 3} more` : '');
}
