// The static half of every fixture's expected.json: what the model alone, judged by the static
// rules, must find, with no engine involved (fast, and it pins each framework's reader on its own).
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules } from '../rules/index.js';
import { loadAdapter } from '../src/frameworks/index.js';
import { judge } from '../src/judge.js';
import { fixtureSets, isDownHalf } from './fixture-sets.js';

const staticRules = allRules.filter((rule) => rule.meta.type === 'static');
const staticIds = new Set(['null', ...staticRules.map((rule) => rule.id)]);

describe('static findings of each fixture set', () => {
  for (const set of fixtureSets()) {
    it(`${set.framework}/${set.name}: lists every migration of expected.json, and the static findings match it`, async () => {
      const adapter = await loadAdapter(set.framework);
      const migrations = await adapter.listMigrations(set.dir);
      expect(migrations.map((m) => relative(set.dir, m.path))).toEqual(Object.keys(set.expected).filter((file) => !isDownHalf(file)));
      const found: Record<string, string[]> = {};
      for (const migration of migrations) {
        for (const result of judge({ model: await adapter.analyse(migration), rules: staticRules })) {
          found[relative(set.dir, result.filePath)] = result.messages.map((finding) => `${finding.ruleId}@${finding.line}`).sort();
        }
      }
      const wanted = Object.fromEntries(
        Object.entries(set.expected).map(([file, list]) => [file, list.filter((entry) => staticIds.has(entry.split('@')[0])).sort()]),
      );
      for (const file of Object.keys(wanted)) found[file] ??= [];
      expect(found).toEqual(wanted);
    });
  }
});
