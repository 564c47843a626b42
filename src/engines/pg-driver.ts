// A `pg`-module look-alike ({ Client, Pool }) whose connections all reach one Engine, so knex,
// node-pg-migrate and friends can run their migrations against it as they would on a server.
import { EventEmitter } from 'node:events';
import type { Engine, PgDriver, QueryResult } from '../types.js';

/** What engines may return beyond `QueryResult`; the driver forwards it to the framework. */
export interface DriverQueryResult extends QueryResult {
  command?: string;
  fields?: { name: string; dataTypeID: number }[];
}

interface QueryConfig {
  text: string;
  values?: unknown[];
  rowMode?: 'array';
}

type Callback = (error: Error | null, result?: unknown) => void;

/** What the framework reads from a `pg` result. */
interface PgResult {
  command: string;
  rowCount: number;
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  oid: null;
}

export function createPgDriver(engine: Engine): PgDriver {
  class Client extends EventEmitter {
    private queue: Promise<unknown> = Promise.resolve();
    private ended = false;
    readonly connectionParameters: unknown;

    constructor(config?: unknown) {
      super();
      this.connectionParameters = config ?? {};
    }

    connect(callback?: Callback): Promise<void> | undefined {
      return settle(Promise.resolve(), callback);
    }

    query(textOrConfig: string | QueryConfig, valuesOrCallback?: unknown[] | Callback, callback?: Callback): Promise<PgResult> | undefined {
      const config: QueryConfig = typeof textOrConfig === 'string' ? { text: textOrConfig } : { ...textOrConfig };
      if (Array.isArray(valuesOrCallback)) config.values = valuesOrCallback;
      const done = typeof valuesOrCallback === 'function' ? valuesOrCallback : callback;
      // One statement at a time per connection, as a real connection behaves.
      const result = this.queue.then(() => {
        if (this.ended) throw new Error('Client was closed and is not queryable');
        return run(engine, config);
      });
      this.queue = result.catch(() => undefined);
      return settle(result, done);
    }

    end(callback?: Callback): Promise<void> | undefined {
      const ending = this.queue.then(() => {
        if (this.ended) return;
        this.ended = true;
        this.emit('end');
      });
      return settle(ending, callback);
    }

    /** Pooled clients go back to the pool; every connection shares the one engine, so nothing to do. */
    release(): void {}

    escapeIdentifier(name: string): string {
      return `"${name.replace(/"/g, '""')}"`;
    }

    escapeLiteral(value: string): string {
      return `'${value.replace(/'/g, "''")}'`;
    }
  }

  class Pool extends EventEmitter {
    readonly options: unknown;
    totalCount = 0;
    idleCount = 0;
    waitingCount = 0;

    constructor(config?: unknown) {
      super();
      this.options = config ?? {};
    }

    connect(callback?: (error: Error | null, client?: Client, release?: () => void) => void): Promise<Client> | undefined {
      const client = new Client(this.options);
      this.emit('connect', client);
      if (callback) {
        callback(null, client, () => client.release());
        return undefined;
      }
      return Promise.resolve(client);
    }

    query(textOrConfig: string | QueryConfig, valuesOrCallback?: unknown[] | Callback, callback?: Callback): Promise<PgResult> | undefined {
      return new Client(this.options).query(textOrConfig, valuesOrCallback, callback);
    }

    end(callback?: Callback): Promise<void> | undefined {
      this.emit('end');
      return settle(Promise.resolve(), callback);
    }
  }

  return { Client, Pool };
}

async function run(engine: Engine, config: QueryConfig): Promise<PgResult> {
  const result = (await engine.query(config.text, config.values?.length ? config.values : undefined)) as DriverQueryResult;
  const fields = result.fields ?? Object.keys(result.rows[0] ?? {}).map((name) => ({ name, dataTypeID: 0 }));
  const rows = config.rowMode === 'array' ? result.rows.map((row) => fields.map((f) => row[f.name])) : result.rows;
  return {
    command: result.command ?? guessCommand(config.text, fields.length > 0),
    rowCount: result.rowCount,
    rows,
    fields,
    oid: null,
  };
}

/** The command tag `pg` reports, from the statement when the engine does not say. */
export function guessCommand(sql: string, returnsRows: boolean): string {
  const statements = sql.split(';').map((s) => s.replace(/--.*$/gm, '').trim()).filter(Boolean);
  const last = statements[statements.length - 1] ?? '';
  const keyword = (/^[a-z]+/i.exec(last)?.[0] ?? '').toUpperCase();
  if (['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'SELECT', 'CREATE', 'DROP', 'ALTER', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SET', 'SHOW'].includes(keyword)) {
    return keyword;
  }
  return returnsRows ? 'SELECT' : keyword;
}

function settle<T>(work: Promise<T>, callback?: (error: Error | null, value?: T) => void): Promise<T> | undefined {
  if (!callback) return work;
  work.then((value) => callback(null, value), (error: Error) => callback(error));
  return undefined;
}
