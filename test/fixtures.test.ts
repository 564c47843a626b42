// Every fixture set, linted whole by the real pipeline, must give exactly the findings its
// expected.json lists: `{ "<file>": ["rule-id@line", …] }` (rule id `null` for parse/load problems).
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { fixtureSets, isDownHalf, verdicts } from './fixture-sets.js';

describe('fixture sets give exactly their expected findings', () => {
  for (const set of fixtureSets()) {
    it(`${set.framework}/${set.name}`, async () => {
      // Report on the files expected.json names (migrations, not golang-migrate .down.sql halves).
      const paths = set.files.filter((file) => !isDownHalf(file));
      const { results } = await lint({ cwd: set.dir, paths, all: set.all, staged: false, framework: set.framework });
      const actual = verdicts(results, set.dir);
      const expected = Object.fromEntries(Object.entries(set.expected).map(([file, list]) => [file, [...list].sort()]));
      for (const file of Object.keys(expected)) actual[file] ??= [];
      expect(actual).toEqual(expected);
    });
  }
});

describe('the fixture sets cover every rule', () => {
  const sets = fixtureSets();
  const rulesIn = (list: typeof sets) =>
    new Set(list.flatMap((set) => Object.values(set.expected).flat().map((verdict) => verdict.split('@')[0])));

  it('each rule is expected somewhere (engine-unsupported comes from pg-mem alone: see engines-differential.test.ts)', async () => {
    const { allRules } = await import('../rules/index.js');
    const produced = rulesIn(sets);
    const missing = allRules.map((rule) => rule.id).filter((id) => id !== 'engine-unsupported' && !produced.has(id));
    expect(missing).toEqual([]);
  });

  it('no clean set expects any finding', () => {
    expect([...rulesIn(sets.filter((set) => set.name.startsWith('clean')))]).toEqual([]);
  });
});
