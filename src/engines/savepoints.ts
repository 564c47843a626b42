// Real Postgres has transactional DDL: a checkpoint is an open transaction with a savepoint at the
// state to come back to, so restoring it costs a ROLLBACK TO, not a replay of the history. While it is
// open, the migration's own BEGIN / COMMIT / ROLLBACK become savepoints, and each statement outside
// them runs under its own savepoint, as autocommit would make it atomic on its own.
import type { Checkpoint } from '../types.js';

type Run = (sql: string, params?: unknown[]) => Promise<unknown>;

const outer = 'rollsafe_checkpoint';
const statementPoint = 'rollsafe_statement';
const ownTransaction = 'rollsafe_migration_transaction';

/** Every sequence's position: what restoring a checkpoint must give back, as a replay from empty would. */
const sequenceValues = `select format('%I.%I', schemaname, sequencename) as name, last_value::text as last_value, start_value::text as start_value from pg_sequences`;
const restoreSequences = `select setval(t.name::regclass, coalesce(t.last_value, t.start_value)::bigint, t.last_value is not null)
  from json_to_recordset($1::json) as t(name text, last_value text, start_value text)
  where to_regclass(t.name) is not null`;

/** What a statement that cannot run inside a transaction answers: the checkpoint cannot hold it. */
const refusedInTransaction = /cannot run inside a transaction block|cannot be executed from a function|unsafe use of new value|cannot be run inside a transaction/i;

export class SavepointSession {
  private open = false;
  /** The migration's own transaction, as a savepoint inside ours. */
  private own = false;
  private ownAborted = false;
  /** Something ran that a savepoint cannot stand for: the checkpoint's results do not hold. */
  broken = false;

  constructor(private readonly run: Run) {}

  async begin(): Promise<Checkpoint> {
    await this.run('begin');
    await this.run(`savepoint ${outer}`);
    // Sequences are outside transactions: ROLLBACK TO keeps what nextval() took since, so their values are put back by hand.
    const sequences = JSON.stringify(((await this.run(sequenceValues, [])) as { rows: unknown[] }).rows);
    this.open = true;
    this.own = false;
    this.ownAborted = false;
    this.broken = false;
    const session = this;
    return {
      get broken() {
        return session.broken;
      },
      restore: async () => {
        if (!session.open) throw new Error('the checkpoint is closed');
        session.own = false;
        session.ownAborted = false;
        await session.run(`rollback to savepoint ${outer}`);
        await session.run(restoreSequences, [sequences]);
      },
      end: async (keep) => {
        if (!session.open) return;
        session.open = false;
        session.own = false;
        if (keep && !session.broken) return void (await session.run('commit'));
        await session.run('rollback');
        await session.run(restoreSequences, [sequences]);
      },
    };
  }

  /** Runs one statement (or a script) from a migration, as it would run on its own session. */
  async query<T>(sql: string, params: unknown[] | undefined, direct: () => Promise<T>): Promise<T> {
    if (!this.open) return direct();
    const control = transactionControl(sql);
    if (control) return (await this.control(control, sql)) as T;
    if (isScriptWithTransactionControl(sql)) this.broken = true;
    if (this.own) {
      try {
        return await direct();
      } catch (error) {
        this.ownAborted = true;
        this.noteRefusal(error);
        throw error;
      }
    }
    await this.run(`savepoint ${statementPoint}`);
    try {
      const result = await direct();
      await this.run(`release savepoint ${statementPoint}`);
      return result;
    } catch (error) {
      this.noteRefusal(error);
      await this.run(`rollback to savepoint ${statementPoint}`).catch(() => undefined);
      await this.run(`release savepoint ${statementPoint}`).catch(() => undefined);
      throw error;
    }
  }

  private noteRefusal(error: unknown): void {
    const code = (error as { code?: string } | undefined)?.code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === '25001' || code === '55P04' || refusedInTransaction.test(message)) this.broken = true;
  }

  private async control(kind: ControlKind, sql: string): Promise<{ rows: []; rowCount: 0; command: string }> {
    const done = { rows: [] as [], rowCount: 0 as const, command: sql.trim().split(/\s+/)[0].toUpperCase() };
    switch (kind) {
      case 'begin':
        // Postgres warns and carries on when a transaction is already open.
        if (!this.own) {
          await this.run(`savepoint ${ownTransaction}`);
          this.own = true;
          this.ownAborted = false;
        }
        return done;
      case 'commit':
      case 'rollback':
        if (this.own) {
          // COMMIT of a failed transaction rolls it back, as Postgres does.
          if (kind === 'rollback' || this.ownAborted) await this.run(`rollback to savepoint ${ownTransaction}`);
          await this.run(`release savepoint ${ownTransaction}`);
          this.own = false;
          this.ownAborted = false;
        }
        return done;
      case 'savepoint':
        if (!this.own) throw new Error(`${done.command} can only be used in transaction blocks`);
        await this.run(sql);
        return done;
      case 'unsupported':
        this.broken = true;
        throw new Error(`rollsafe cannot hold ${done.command} in a checkpoint`);
    }
  }
}

type ControlKind = 'begin' | 'commit' | 'rollback' | 'savepoint' | 'unsupported';

function withoutLeadingComments(sql: string): string {
  return sql.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
}

/** The transaction control a single statement is, if any. */
export function transactionControl(sql: string): ControlKind | undefined {
  const text = withoutLeadingComments(sql).replace(/[\s;]+$/, '');
  if (/;/.test(text)) return undefined;
  if (/^(begin|start\s+transaction)\b/i.test(text)) return 'begin';
  if (/^(commit|end)(\s+(work|transaction))?(\s+and\s+no\s+chain)?$/i.test(text)) return 'commit';
  if (/^(rollback|abort)(\s+(work|transaction))?(\s+and\s+no\s+chain)?$/i.test(text)) return 'rollback';
  if (/^(savepoint|release|rollback\s+(work\s+|transaction\s+)?to)\b/i.test(text)) return 'savepoint';
  if (/^(prepare\s+transaction|commit\s+prepared|rollback\s+prepared|commit\s+and\s+chain|rollback\s+and\s+chain)\b/i.test(text)) return 'unsupported';
  return undefined;
}

/** A script of several statements with a transaction control among them: a savepoint cannot follow it. */
function isScriptWithTransactionControl(sql: string): boolean {
  if (!sql.includes(';')) return false;
  const bodiesOut = sql.replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, "''").replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, '');
  return /;\s*(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release)\b/i.test(bodiesOut) || /^\s*(begin|start\s+transaction)\b/i.test(bodiesOut);
}
