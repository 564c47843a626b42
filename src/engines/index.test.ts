import { describe, expect, it } from 'vitest';
import { createEngine } from './index.js';

describe('createEngine', () => {
  it('creates the engine it is asked for', async () => {
    const engine = await createEngine('pg-mem');
    expect(engine.name).toBe('pg-mem');
    await engine.close();
  });

  it('refuses the postgres engine without a database URL', async () => {
    await expect(createEngine('postgres')).rejects.toThrow(/database URL/);
  });
});
