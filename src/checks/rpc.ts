// Calls both ways over one message channel (a child process's IPC): the trusted side asks the
// sandboxed process to run a migration, and the sandboxed process asks for each of its queries.

/** What can carry messages: a child process, or `process` inside it. */
export interface Channel {
  send?(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

interface Call {
  rpc: 'call';
  id: number;
  method: string;
  args: unknown[];
}

interface Reply {
  rpc: 'reply';
  id: number;
  value?: unknown;
  error?: SerializedError;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own data fields (code, loc, sql…), JSON values only. */
  fields: Record<string, unknown>;
  cause?: SerializedError;
}

export type Handlers = Record<string, (...args: never[]) => unknown>;

export interface Rpc {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  /** Rejects every call still waiting (the other side is gone). */
  fail(error: Error): void;
}

/** `revive` rebuilds errors of known classes from their serialized form. */
export function connectRpc(channel: Channel, handlers: Handlers, revive: (error: SerializedError) => Error = reviveError): Rpc {
  let next = 0;
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  channel.on('message', (message) => {
    const m = message as Call | Reply;
    if (!m || typeof m !== 'object') return;
    if (m.rpc === 'reply') {
      const pending = waiting.get(m.id);
      if (!pending) return;
      waiting.delete(m.id);
      if (m.error) pending.reject(revive(m.error));
      else pending.resolve(m.value);
    } else if (m.rpc === 'call') {
      const handler = handlers[m.method] as ((...args: unknown[]) => unknown) | undefined;
      void (async () => {
        try {
          if (!handler) throw new Error(`no such call: ${m.method}`);
          const value = await handler(...m.args);
          channel.send?.({ rpc: 'reply', id: m.id, value } satisfies Reply);
        } catch (error) {
          channel.send?.({ rpc: 'reply', id: m.id, error: serializeError(error) } satisfies Reply);
        }
      })();
    }
  });
  return {
    call<T>(method: string, ...args: unknown[]) {
      const id = ++next;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
        channel.send?.({ rpc: 'call', id, method, args } satisfies Call);
      });
    },
    fail(error) {
      for (const pending of waiting.values()) pending.reject(error);
      waiting.clear();
    },
  };
}

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'cause' || typeof value === 'function') continue;
    try {
      fields[key] = JSON.parse(JSON.stringify(value) ?? 'null');
    } catch {
      // A field that does not serialize (a circular driver object) stays behind.
    }
  }
  const cause = (error as { cause?: unknown }).cause;
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields,
    ...(cause instanceof Error && depth < 3 ? { cause: serializeError(cause, depth + 1) } : {}),
  };
}

export function reviveError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true });
  if (serialized.stack) error.stack = serialized.stack;
  Object.assign(error, serialized.fields);
  if (serialized.cause) (error as { cause?: unknown }).cause = reviveError(serialized.cause);
  return error;
}
