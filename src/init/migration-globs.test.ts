import { describe, expect, it } from 'vitest';
import type { MigrationSet } from '../types.js';
import { migrationPatterns, toFilesRegex, toGlob } from './migration-globs.js';

const set = (dir: string, framework: MigrationSet['framework']): MigrationSet => ({ dir: `/repo/${dir}`, framework, projectDir: '/repo', migrations: [] });

describe('hook patterns per set', () => {
  it("match diesel's up.sql and down.sql one folder down, and flat folders directly", () => {
    const patterns = migrationPatterns([set('migrations', 'diesel'), set('db/migrations', 'dbmate')], '/repo');
    expect(patterns.map(toGlob)).toEqual(['migrations/*/*.sql', 'db/migrations/*.sql']);
    const regex = new RegExp(toFilesRegex(patterns));
    expect(regex.test('migrations/2024-01-01-000000_users/up.sql')).toBe(true);
    expect(regex.test('migrations/up.sql')).toBe(false);
    expect(regex.test('db/migrations/20240101_users.sql')).toBe(true);
  });
});
