import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'sandbox-violation',
  meta: {
    type: 'dynamic',
    description: 'A migration opens its own connection (to a database or any other server), starts a process or a thread, instead of using the connection it is given.',
    defaultSeverity: 'error',
    messages: {
      connects:
        'this migration opened a connection to {{target}} during {{during}}; migrations must use the connection rollsafe gives them (rollsafe refused it)',
      spawns:
        'this migration started a process ({{target}}) during {{during}}; a migration must not run programs (a psql there reaches whatever database the environment names) (rollsafe refused it)',
      thread:
        'this migration started a thread ({{target}}) during {{during}}; a migration must run in the process it is given (rollsafe refused it)',
    },
    help: 'Run every statement through the knex/pgm object passed to up and down; a migration that connects itself reaches whatever database the environment names.',
  },
  check({ model, result, report }) {
    for (const violation of result?.sandboxViolations ?? []) {
      const target = violation.port !== undefined ? `${violation.host}:${violation.port}` : violation.host;
      const during = violation.during === 'load' ? 'loading' : (violation.during ?? 'the run');
      const messageId = violation.via.startsWith('child_process.') ? 'spawns' : violation.via === 'new Worker' ? 'thread' : 'connects';
      report({ messageId, data: { target: messageId === 'connects' ? target : truncate(violation.host, 80), during }, loc: violation.loc ?? model.up });
    }
  },
});

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
