// Runs every fixture set on pg-mem alone (--no-fallback) and on the default (pg-mem, failures
// confirmed on PGlite), and lists every verdict where they differ. Each divergence must be known
// here, with the reason; an unlisted one fails the test, and so does a listed one that is gone.
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { fixtureSets } from './fixture-sets.js';

/** `framework/set/file: verdict on pg-mem alone -> verdict confirmed` and why they differ. */
const knownDivergences: Record<string, string> = {};

const dynamicRules = new Set(['up-runs', 'idempotent-up', 'idempotent-down', 'round-trip', 'engine-unsupported']);

function dynamicVerdicts(results: { filePath: string; messages: { ruleId: string | null; line: number }[] }[], dir: string) {
  const verdicts = new Map<string, string>();
  for (const result of results) {
    const found = result.messages.filter((m) => m.ruleId && dynamicRules.has(m.ruleId)).map((m) => `${m.ruleId}@${m.line}`);
    verdicts.set(relative(dir, result.filePath), found.sort().join(',') || 'clean');
  }
  return verdicts;
}

describe('pg-mem alone versus pg-mem confirmed on PGlite', () => {
  const sets = fixtureSets();
  it.skipIf(sets.length === 0)('differ only where a known pg-mem divergence says so', async () => {
    const divergences: string[] = [];
    for (const set of sets) {
      const paths = set.files.filter((file) => !file.endsWith('.down.sql'));
      const common = { cwd: set.dir, paths, all: false, staged: false, framework: set.framework };
      const alone = dynamicVerdicts((await lint({ ...common, fallback: false })).results, set.dir);
      const confirmed = dynamicVerdicts((await lint({ ...common })).results, set.dir);
      for (const [file, verdict] of alone) {
        if (confirmed.get(file) !== verdict) divergences.push(`${set.framework}/${set.name}/${file}: ${verdict} -> ${confirmed.get(file)}`);
      }
    }
    // Printed so the note on each run says how often PGlite overturned pg-mem, and where.
    console.info(`pg-mem alone vs confirmed: ${divergences.length} divergences\n${divergences.join('\n')}`);
    expect(divergences.sort()).toEqual(Object.keys(knownDivergences).sort());
  });
});
