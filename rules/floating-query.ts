import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'floating-query',
  meta: {
    type: 'dynamic',
    description: 'A query the migration starts but does not await: it runs on after up or down returned, or fails with nothing to handle it.',
    defaultSeverity: 'error',
    messages: {
      after: '{{step}} returned before this query finished ({{sql}}): in production it runs outside the migration, or never',
      running: '{{step}} returned and this query was still running {{wait}} later ({{sql}}): in production it runs outside the migration, or never',
      rejected: 'a query {{step}} did not await failed with nothing to handle it: {{error}}; in production this crashes the migrate command',
      neverRun: '{{step}} builds this query ({{sql}}) but never runs it (no await, return or .then): it does nothing, here and in production',
    },
    help: 'await (or return) every query: `await knex.raw(…)`, `await db.schema….execute()`, `await queryRunner.query(…)`; in a knex createTable callback, run the query after the builder instead.',
  },
  check({ model, result, report }) {
    const seen = new Set<string>();
    for (const floating of result?.floatingQueries ?? []) {
      if (floating.unsupported) continue;
      const direction = floating.step === 'down' || floating.step === 'down-again' ? 'down' : 'up';
      const loc = floating.loc ?? (direction === 'down' ? model.down.loc : model.up);
      // The same line floats on every run of its step: once is enough.
      const key = `${loc?.file}:${loc?.line}:${direction}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const sql = floating.sql ?? 'a query';
      if (floating.error !== undefined) report({ messageId: 'rejected', data: { step: direction, error: floating.error }, loc });
      else if (floating.neverRun) report({ messageId: 'neverRun', data: { step: direction, sql }, loc });
      else if (floating.stillRunning) report({ messageId: 'running', data: { step: direction, sql, wait: '2 s' }, loc });
      else report({ messageId: 'after', data: { step: direction, sql }, loc });
    }
  },
});
