// A migration's own up/down runs inside an async context, so that every query it starts, even one it
// never awaits, is known as its own (with the line that started it), and so is the moment it returned.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SourceLocation } from '../types.js';

/** One call of a migration's up or down. */
export interface ActionRun {
  /** The function's promise has settled: a query of its own that starts or settles after this floats. */
  returned: boolean;
  /** Queries it built that were never compiled, run or embedded in another (a `knex.raw(…)` statement with no await). */
  unsent: Set<BuiltQuery>;
}

/** A query object the migration built: where, and what kind (`knex.raw`, `knex.schema`). */
export interface BuiltQuery {
  what: string;
  sites: NodeJS.CallSite[];
}

/** Told of each migration call as it starts (the watch of a protocol step listens). */
let observer: ((run: ActionRun) => void) | undefined;

export function observeActions(listener: ((run: ActionRun) => void) | undefined): void {
  observer = listener;
}

/** A query object built by the current migration call; returns the function that marks it sent. */
export function builtQuery(what: string, sites: NodeJS.CallSite[]): () => void {
  const action = storage.getStore()?.action;
  if (!action || action.returned) return () => undefined;
  const built: BuiltQuery = { what, sites };
  action.unsent.add(built);
  return () => action.unsent.delete(built);
}

/** Where a query comes from: the migration call it belongs to, and the migration line that started it. */
export interface QueryOrigin {
  action: ActionRun;
  sites?: NodeJS.CallSite[];
  loc?: SourceLocation;
}

const storage = new AsyncLocalStorage<QueryOrigin>();
const originOf = Symbol('rollsafe.queryOrigin');

/** Runs the migration's function (a thenable result is awaited once, as the framework would). */
export function runAction<T>(call: () => T): Promise<Awaited<T>> {
  const action: ActionRun = { returned: false, unsent: new Set() };
  observer?.(action);
  return storage.run({ action }, async (): Promise<Awaited<T>> => {
    try {
      return await call();
    } finally {
      action.returned = true;
    }
  });
}

/** Runs a framework's execution of one migration call (`.then` of a builder, `.execute()`), remembering where it was written. */
export function withQuerySite<T>(where: { sites?: NodeJS.CallSite[]; loc?: SourceLocation }, run: () => T): T {
  const current = storage.getStore();
  if (!current || (!where.sites && !where.loc)) return run();
  return storage.run({ ...current, ...where }, run);
}

/** The migration call the current code runs for, if any (undefined for the framework's own work and rollsafe's). */
export function currentQueryOrigin(): QueryOrigin | undefined {
  return storage.getStore();
}

/** Marks a failure with the migration call it came from, so that one nobody handled can still be placed. */
export function markOrigin<E>(error: E, origin = storage.getStore()): E {
  if (origin && typeof error === 'object' && error !== null && !(originOf in error)) {
    Object.defineProperty(error, originOf, { value: origin });
  }
  return error;
}

export function originOfError(error: unknown): QueryOrigin | undefined {
  return typeof error === 'object' && error !== null ? (error as { [originOf]?: QueryOrigin })[originOf] : undefined;
}
