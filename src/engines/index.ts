// Picks an engine by name; each is imported only when asked for, so nobody pays for PGlite unused.
import type { Engine, EngineName } from '../types.js';

export interface EngineOptions {
  /** Required by the postgres engine: the server to create throwaway databases on. */
  databaseUrl?: string;
  /**
   * PGlite only: the extensions the migrations may create (`uuid-ossp`, `pgcrypto`…). Each one costs
   * start-up time, so only these are loaded; undefined loads every one PGlite ships that rollsafe knows.
   */
  extensions?: string[];
}

export async function createEngine(name: EngineName, options: EngineOptions = {}): Promise<Engine> {
  switch (name) {
    case 'pg-mem':
      return (await import('./pg-mem.js')).createPgMemEngine();
    case 'pglite':
      return (await import('./pglite.js')).createPgliteEngine({ extensions: options.extensions });
    case 'postgres': {
      if (!options.databaseUrl) throw new Error('The postgres engine needs a database URL (--database-url or DATABASE_URL).');
      return (await import('./postgres.js')).createPostgresEngine({ databaseUrl: options.databaseUrl });
    }
  }
}
