import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'single-head',
  meta: {
    type: 'static',
    description: 'A branching history (Alembic) has one head: `alembic upgrade head` refuses to choose between several.',
    defaultSeverity: 'error',
    messages: {
      severalHeads: 'The history has {{count}} heads ({{heads}}): `alembic upgrade head` fails with "Multiple head revisions".',
    },
    help: 'Point this revision\'s down_revision at the other head, or add a merge revision: alembic merge -m "merge heads" {{merge}}',
  },
  check({ model, report }) {
    // Reported on every head's file, at its down_revision: whichever head is linted shows it.
    if (!model.heads || model.heads.revisions.length < 2) return;
    const { revisions, loc } = model.heads;
    report({
      messageId: 'severalHeads',
      data: { count: revisions.length, heads: revisions.join(', '), merge: revisions.join(' ') },
      loc,
    });
  },
});
