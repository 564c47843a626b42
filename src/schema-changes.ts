import type { SchemaChange } from './types.js';

/** How a list of schema changes reads, depending on which two moments of the protocol were compared. */
export type ChangePerspective = 'after-down' | 'after-second-up' | 'after-up-again';

const words: Record<ChangePerspective, Record<SchemaChange['kind'], string>> = {
  // before = the schema before up, after = the schema after down
  'after-down': { added: 'down left {{object}} behind', removed: 'down did not restore {{object}}', changed: '{{object}} differs after down ({{detail}})' },
  // before = after one up, after = after up twice
  'after-second-up': { added: 'the second up added {{object}}', removed: 'the second up removed {{object}}', changed: 'the second up changed {{object}} ({{detail}})' },
  // before = after the first up, after = after up, down and up again
  'after-up-again': { added: 'up after down created {{object}}, which the first up did not', removed: 'up after down did not recreate {{object}}', changed: '{{object}} differs after up, down, up ({{detail}})' },
};

const shown = 3;

/** One sentence naming each changed object, capped so a finding stays one line. */
export function phraseChanges(changes: SchemaChange[], perspective: ChangePerspective): string {
  const phrases = changes.slice(0, shown).map((change) =>
    words[perspective][change.kind].replace('{{object}}', change.object).replace('{{detail}}', change.detail ?? 'definition'),
  );
  const rest = changes.length - shown;
  return phrases.join('; ') + (rest > 0 ? `; and ${rest} more change${rest === 1 ? '' : 's'}` : '');
}
