import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules } from '../../../rules/index.js';
import { judge } from '../../judge.js';
import { nodePgMigrateAdapter } from './index.js';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/node-pg-migrate');
const staticRules = allRules.filter((rule) => rule.meta.type === 'static');
const staticIds = new Set<string | null>([null, ...staticRules.map((rule) => rule.id)]);

// The static half of each fixture's expected.json: what the model alone, judged by the static rules, must find.
describe.each(['clean', 'mistakes'])('node-pg-migrate fixture %s', (set) => {
  it('lists every migration of expected.json, and the static findings match it', async () => {
    const dir = join(fixtures, set);
    const expected: Record<string, string[]> = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8'));
    const migrations = await nodePgMigrateAdapter.listMigrations(dir);
    expect(migrations.map((m) => basename(m.path))).toEqual(Object.keys(expected));
    for (const migration of migrations) {
      const model = await nodePgMigrateAdapter.analyse(migration);
      const found = judge({ model, rules: staticRules })
        .flatMap((result) => result.messages)
        .map((finding) => `${finding.ruleId}@${finding.line}`)
        .sort();
      const wanted = expected[basename(migration.path)].filter((entry) => staticIds.has(entry.split('@')[0] === 'null' ? null : entry.split('@')[0]));
      expect({ file: migration.id, found }).toEqual({ file: migration.id, found: wanted });
    }
  });
});
