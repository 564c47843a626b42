import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'sandbox-violation',
  meta: {
    type: 'dynamic',
    description: 'A migration opens its own connection (to a database or any other server) instead of using the one it is given.',
    defaultSeverity: 'error',
    messages: {
      connects:
        'this migration opened a connection to {{target}} during {{during}}; migrations must use the connection rollsafe gives them (rollsafe refused it)',
    },
    help: 'Run every statement through the knex/pgm object passed to up and down; a migration that connects itself reaches whatever database the environment names.',
  },
  check({ model, result, report }) {
    for (const violation of result?.sandboxViolations ?? []) {
      const target = violation.port !== undefined ? `${violation.host}:${violation.port}` : violation.host;
      const during = violation.during === 'load' ? 'loading' : (violation.during ?? 'the run');
      report({ messageId: 'connects', data: { target, during }, loc: violation.loc ?? model.up });
    }
  },
});
