// Every fixture set, linted whole by the real pipeline, must give exactly the findings its
// expected.json lists: `{ "<file>": ["rule-id@line", …] }` (rule id `null` for parse/load problems).
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { fixtureSets, verdicts } from './fixture-sets.js';

describe('fixture sets give exactly their expected findings', () => {
  for (const set of fixtureSets()) {
    it(`${set.framework}/${set.name}`, async () => {
      // Report on the files expected.json names (migrations, not golang-migrate .down.sql halves).
      const paths = set.files.filter((file) => !file.endsWith('.down.sql'));
      const { results } = await lint({ cwd: set.dir, paths, all: false, staged: false, framework: set.framework });
      const actual = verdicts(results, set.dir);
      const expected = Object.fromEntries(Object.entries(set.expected).map(([file, list]) => [file, [...list].sort()]));
      for (const file of Object.keys(expected)) actual[file] ??= [];
      expect(actual).toEqual(expected);
    });
  }
});
