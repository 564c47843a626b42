import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'engine-unsupported',
  meta: {
    type: 'dynamic',
    description: 'The engine could not run a statement, so part of the dynamic check was not done. Never a migration bug.',
    defaultSeverity: 'warn',
    messages: {
      statement: '{{engine}} cannot run this statement, so the {{step}} check was not done: {{error}}',
      replay: '{{engine}} cannot replay the earlier migration {{migration}}, so this migration was not run: {{error}}',
    },
    help: 'Run with the default engine (pg-mem confirmed on PGlite), --engine pglite, or --engine postgres to check it on real Postgres.',
  },
  check({ model, result, report }) {
    if (!result) return;
    if (result.replayError?.unsupported) {
      report({
        messageId: 'replay',
        data: { engine: result.engine, migration: result.replayError.migration, error: result.replayError.message },
        loc: model.up,
      });
      return;
    }
    for (const step of result.steps) {
      if (step.ok || !step.error?.unsupported) continue;
      report({ messageId: 'statement', data: { engine: result.engine, step: step.step, error: step.error.message }, loc: step.error.loc ?? model.up });
    }
  },
});
