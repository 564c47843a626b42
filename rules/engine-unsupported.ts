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
      environment: '{{error}} (the {{step}} check was not done)',
      extension: 'could not confirm on {{engine}}: {{reason}}; use --engine postgres (the {{step}} check was not done)',
      unconfirmed: 'could not confirm on {{engine}}: {{reason}}; use --engine postgres (the findings here are {{first}}\'s alone)',
    },
    help: 'Run with the default engine (pg-mem confirmed on PGlite), --engine pglite, or --engine postgres to check it on real Postgres.',
  },
  check({ model, result, report }) {
    if (!result) return;
    if (result.unconfirmed) {
      const { engine, message } = result.unconfirmed;
      report({ messageId: 'unconfirmed', data: { engine: displayName(engine), reason: missingExtension(message) ?? message, first: result.engine }, loc: model.up });
    }
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
      // The project's python, not the engine, could not run it: said as it is.
      if (/^(cannot import the revision with|the Alembic helper|cannot run .*python)/.test(step.error.message)) {
        report({ messageId: 'environment', data: { error: step.error.message, step: step.step }, loc: step.error.loc ?? model.up });
        continue;
      }
      const extension = missingExtension(step.error.message);
      if (extension) {
        report({ messageId: 'extension', data: { engine: displayName(result.engine), reason: extension, step: step.step }, loc: step.error.loc ?? model.up });
        continue;
      }
      report({ messageId: 'statement', data: { engine: result.engine, step: step.step, error: step.error.message }, loc: step.error.loc ?? model.up });
    }
  },
});

/** `extension "postgis" is not available`, from Postgres' own wording of an extension the engine lacks. */
function missingExtension(message: string): string | undefined {
  const name = /extension "([^"]+)" is not available/i.exec(message)?.[1] ?? /extension control file "[^"]*\/([^/"]+)\.control"/i.exec(message)?.[1];
  return name ? `extension ${name} is not available` : undefined;
}

function displayName(engine: string): string {
  return engine === 'pglite' ? 'PGlite' : engine;
}
