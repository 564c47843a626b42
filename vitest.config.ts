import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['rules/**/*.test.ts', 'test/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'test/fixtures/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
