// The hook definition pre-commit users get when they reference rollsafe's repository.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rollsafeRoot } from './project.js';

const definition = readFileSync(path.join(rollsafeRoot, '.pre-commit-hooks.yaml'), 'utf8');
const field = (name: string): string => new RegExp(`^  ${name}: (.*)$`, 'm').exec(definition)![1]!;

describe('.pre-commit-hooks.yaml', () => {
  it('defines the rollsafe hook as a node hook that receives the staged file names', () => {
    expect(definition).toMatch(/^- id: rollsafe$/m);
    expect(field('language')).toBe('node');
    expect(field('entry')).toBe('rollsafe lint');
    expect(field('pass_filenames')).toBe('true');
  });

  it('selects files in the usual migration folders and nothing else', () => {
    const files = new RegExp(field('files').replace(/^'|'$/g, ''));
    for (const migration of [
      'migrations/20240315093000_create_invoices.js',
      'db/migrations/20240301000000_add_index.up.sql',
      'services/api/src/migrations/1700000000000_add-orders.ts',
      'database/migrations/20240101_init.sql',
    ]) {
      expect(files.test(migration), migration).toBe(true);
    }
    for (const other of ['src/app.ts', 'migrations/README.md', 'docs/migrations.md', 'test/migrations.test.ts']) {
      expect(files.test(other), other).toBe(false);
    }
  });
});
