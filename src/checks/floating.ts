// Queries a migration starts and never awaits: one still running when its up or down has returned,
// or one that fails with nobody to handle it. In production the first runs outside the migration's
// transaction or never, the second crashes the migrate command; here both are charged to the step.
import { currentQueryOrigin, observeActions, originOfError, type ActionRun, type QueryOrigin } from '../frameworks/action.js';
import { captureCallSites, frameIn, siteIn } from '../load/index.js';
import type { Engine, FloatingQuery, SourceLocation } from '../types.js';

type Found = Omit<FloatingQuery, 'step'>;

/** How long a step's floating queries may take to settle once it returned, before they are reported as still running. */
const settleLimitMs = 2_000;

/** The watch of the step that runs now: unhandled rejections go to it. */
let active: FloatingWatch | undefined;

export class FloatingWatch {
  private readonly inFlight = new Map<Promise<unknown>, { origin: QueryOrigin; sql: string; sites?: NodeJS.CallSite[] }>();
  private found: Found[] = [];
  private rejections: unknown[] = [];
  /** The migration calls of the step: what they built and never sent is reported too. */
  private actions: ActionRun[] = [];
  private readonly restore: () => void;
  /** The migration being checked: its lines are what a floating query is placed on. */
  private files: string[] = [];

  constructor(
    private readonly engine: Engine,
    /** The failure in one line, as findings say it. */
    private readonly describe: (error: unknown) => string,
  ) {
    const query = engine.query;
    const exec = engine.exec;
    engine.query = (sql, params) => this.track(sql, () => query.call(engine, sql, params));
    engine.exec = (sql) => this.track(sql, () => exec.call(engine, sql));
    this.restore = () => {
      engine.query = query;
      engine.exec = exec;
    };
  }

  /** Watches one step of `files`' migration: from here until `settle()` resolves. */
  begin(files: string[]): void {
    this.files = files;
    this.found = [];
    this.rejections = [];
    this.actions = [];
    observeActions((run) => this.actions.push(run));
    active = this;
  }

  /**
   * Waits for what the step left running (bounded), and for the rejections nobody handled to surface,
   * then returns what floated. Cheap when nothing did: a few turns of the event loop.
   */
  async settle({ stepFailed = false, now = Date.now }: { stepFailed?: boolean; now?: () => number } = {}): Promise<Found[]> {
    const deadline = now() + settleLimitMs;
    try {
      for (;;) {
        // Unhandled rejections are told after the microtask queue drains; two turns let chained ones through.
        await turn();
        await turn();
        if (this.inFlight.size === 0 || now() >= deadline) break;
        await Promise.race([Promise.allSettled([...this.inFlight.keys()]), sleep(Math.max(0, deadline - now()))]);
      }
      for (const { origin, sql, sites } of this.inFlight.values()) this.float(origin, sql, sites, { stillRunning: true });
      if (!stepFailed) {
        for (const action of this.actions) {
          for (const built of action.unsent) {
            const loc = this.files.map((file) => siteIn(built.sites, file)).find(Boolean);
            // Only what the migration's own lines built: a helper module's builders are its own business.
            if (loc) this.found.push({ sql: `${built.what}(…)`, loc, neverRun: true });
          }
        }
      }
      // A step that failed leaves its sibling queries running (a Promise.all half-rejected): only what nobody handled is news.
      if (stepFailed) this.found = [];
      for (const reason of this.rejections) await this.placeRejection(reason);
      return this.found.filter(uniqueBy((f) => `${f.loc?.line}:${f.sql}:${f.error}`));
    } finally {
      this.inFlight.clear();
      observeActions(undefined);
      if (active === this) active = undefined;
    }
  }

  dispose(): void {
    this.restore();
    if (active === this) active = undefined;
  }

  /** An unhandled rejection while this watch's step runs: the migration's own, since rollsafe awaits everything it starts. */
  rejected(reason: unknown): void {
    this.rejections.push(reason);
  }

  private async placeRejection(reason: unknown): Promise<void> {
    const origin = originOfError(reason);
    const stack = reason instanceof Error ? (reason.stack ?? '') : '';
    const loc = this.locOf(origin) ?? this.files.map((file) => frameIn(stack, file)).find(Boolean);
    const sql = (reason as { [floatingSql]?: string } | undefined)?.[floatingSql];
    // A query that failed after the step returned is already listed, with this very error.
    if (sql && this.found.some((f) => f.sql === oneLine(sql) && f.error)) return;
    const unsupported = await Promise.resolve(this.engine.isUnsupported(reason)).catch(() => false);
    this.found.push({
      error: this.describe(reason),
      ...(sql ? { sql: oneLine(sql) } : {}),
      ...(loc ? { loc } : {}),
      ...(unsupported ? { unsupported } : {}),
    });
  }

  private track<T>(sql: string, run: () => Promise<T>): Promise<T> {
    const origin = currentQueryOrigin();
    if (active !== this || !origin) return run();
    const startedAfterReturn = origin.action.returned;
    const sites = origin.sites ? undefined : captureCallSites();
    // A turn of the event loop before the engine answers, as a server's round trip takes: pg-mem answers
    // at once, which lets a query the migration forgot to await finish before anyone could notice.
    const pending = turn().then(run).then(
      (value) => {
        if (startedAfterReturn || origin.action.returned) this.float(origin, sql, sites);
        return value;
      },
      (error: unknown) => {
        if (typeof error === 'object' && error !== null) Object.defineProperty(error, floatingSql, { value: sql, configurable: true });
        if (startedAfterReturn || origin.action.returned) this.float(origin, sql, sites, { error: this.describe(error) });
        throw error;
      },
    );
    const settled = pending.catch(() => undefined);
    this.inFlight.set(settled, { origin, sql, sites });
    void settled.then(() => this.inFlight.delete(settled));
    return pending;
  }

  private float(origin: QueryOrigin, sql: string, sites?: NodeJS.CallSite[], how: { stillRunning?: true; error?: string } = {}): void {
    const loc = this.locOf(origin) ?? this.files.map((file) => siteIn(sites ?? [], file)).find(Boolean);
    this.found.push({ sql: oneLine(sql), ...(loc ? { loc } : {}), ...how });
  }

  private locOf(origin: QueryOrigin | undefined): SourceLocation | undefined {
    if (!origin) return undefined;
    if (origin.loc && this.files.includes(origin.loc.file)) return origin.loc;
    return this.files.map((file) => siteIn(origin.sites ?? [], file)).find(Boolean);
  }
}

const floatingSql = Symbol('rollsafe.floatingSql');

/**
 * For the whole walk: an unhandled rejection goes to the step that runs (its migration's finding),
 * and never ends the run. Returns the function that stops listening.
 */
export function catchUnhandledRejections(onStray: (reason: unknown) => void = () => undefined): () => void {
  const onRejection = (reason: unknown) => {
    if (active) active.rejected(reason);
    else onStray(reason);
  };
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('unhandledRejection', onRejection);
  };
}

function oneLine(sql: string): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

function uniqueBy<T>(key: (item: T) => string): (item: T, index: number, all: T[]) => boolean {
  return (item, index, all) => all.findIndex((other) => key(other) === key(item)) === index;
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
