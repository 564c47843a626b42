import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'preserves-data',
  meta: {
    type: 'dynamic',
    description: 'Rows that existed before up hold the same values after up then down; an up that drops data is flagged.',
    defaultSeverity: 'error',
    messages: {
      valuesLost: 'after up then down, {{table}}.{{column}} does not hold its values again ({{example}})',
      rowsLost: 'after up then down, rows of {{table}} are missing ({{example}})',
      destructive: 'up drops {{object}}, which held rows, and no down can bring them back: take a backup before running it',
    },
    help: 'Keep what up removes or converts (a copy column or table, a lossless type) and let down restore it from there; or declare the migration irreversible and back up first.',
    warnings: ['destructive'],
  },
  check({ model, result, report }) {
    for (const loss of result?.dataLoss ?? []) {
      if (loss.column) report({ messageId: 'valuesLost', data: { table: loss.table, column: loss.column, example: loss.example }, loc: model.down.loc });
      else report({ messageId: 'rowsLost', data: { table: loss.table, example: loss.example }, loc: model.down.loc });
    }
    for (const dropped of result?.destructiveUp ?? []) {
      report({ messageId: 'destructive', data: { object: dropped.object }, loc: model.up });
    }
  },
});
