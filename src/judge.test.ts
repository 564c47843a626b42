import { describe, expect, it } from 'vitest';
import { allRules } from '../rules/index.js';
import { judge } from './judge.js';
import type { Directive, MigrationModel, ProtocolResult } from './types.js';

const file = '/project/migrations/20240101_create_users.ts';

function model(overrides: Partial<MigrationModel> = {}): MigrationModel {
  return {
    file,
    framework: 'knex',
    up: { file, line: 3, column: 1 },
    down: { status: 'present', empty: false, loc: { file, line: 10, column: 1 } },
    transactional: true,
    operations: [
      { direction: 'up', kind: 'knex.schema.createTable', target: 'users', needsGuard: true, guarded: false, fix: 'wrap it in hasTable', loc: { file, line: 4, column: 3 } },
    ],
    directives: [],
    ...overrides,
  };
}

function directive(overrides: Partial<Directive>): Directive {
  return { kind: 'disable-next-line', rules: ['require-guard'], reason: 'seeded by ops', loc: { file, line: 3, column: 3 }, appliesToLine: 4, ...overrides };
}

describe('judge', () => {
  it('reports each enabled rule at its line with message and help', () => {
    const [result] = judge({ model: model(), rules: allRules });
    expect(result.messages).toEqual([
      expect.objectContaining({ ruleId: 'require-guard', severity: 2, line: 4, column: 3, help: 'Guard it: wrap it in hasTable' }),
    ]);
    expect(result.errorCount).toBe(1);
  });

  it('applies severities from the config, and off turns a rule off', () => {
    expect(judge({ model: model(), rules: allRules, severities: { 'require-guard': 'warn' } })[0].messages[0].severity).toBe(1);
    expect(judge({ model: model(), rules: allRules, severities: { 'require-guard': 'off' } })[0].messages).toEqual([]);
  });

  it('a directive with a reason silences the named rule on the next line, keeping the reason', () => {
    const [result] = judge({ model: model({ directives: [directive({})] }), rules: allRules });
    expect(result.messages).toEqual([]);
    expect(result.suppressedMessages[0].suppressions[0].justification).toBe('seeded by ops');
  });

  it('a directive without a reason silences nothing and is itself reported', () => {
    const [result] = judge({ model: model({ directives: [directive({ reason: undefined })] }), rules: allRules });
    expect(result.messages.map((m) => `${m.ruleId}@${m.line}`)).toEqual(['null@3', 'require-guard@4']);
    expect(result.messages[0].message).toMatch(/needs a reason/);
  });

  it('a directive naming an unknown rule is reported with the closest known id', () => {
    const [result] = judge({ model: model({ directives: [directive({ rules: ['require-gaurd'] })] }), rules: allRules });
    expect(result.messages[0]).toMatchObject({ ruleId: null, line: 3 });
    expect(result.messages[0].message).toMatch(/unknown rule 'require-gaurd' \(did you mean 'require-guard'\?\)/);
    expect(result.messages.some((m) => m.ruleId === 'require-guard')).toBe(true);
  });

  it('a file-wide directive silences the rule everywhere in the file', () => {
    const [result] = judge({ model: model({ directives: [directive({ kind: 'disable-file', appliesToLine: undefined })] }), rules: allRules });
    expect(result.messages).toEqual([]);
  });

  it('dynamic findings carry the engine that judged them and can be silenced at their statement line', () => {
    const result: ProtocolResult = {
      engine: 'pglite',
      checkedFirstOn: 'pg-mem',
      steps: [
        { step: 'up', ok: true },
        { step: 'up-again', ok: false, error: { message: 'relation "users" already exists', loc: { file, line: 4, column: 3 } } },
      ],
    };
    const [judged] = judge({ model: model({ operations: [] }), result, rules: allRules });
    expect(judged.messages).toEqual([expect.objectContaining({ ruleId: 'idempotent-up', line: 4, engine: 'pglite' })]);
    const [silenced] = judge({ model: model({ operations: [], directives: [directive({ rules: ['idempotent-up'] })] }), result, rules: allRules });
    expect(silenced.messages).toEqual([]);
  });

  it('an unsupported statement is a warning from engine-unsupported, never a migration bug', () => {
    const result: ProtocolResult = {
      engine: 'pg-mem',
      steps: [{ step: 'up', ok: false, error: { message: 'DO blocks are not supported', unsupported: true, loc: { file, line: 5, column: 3 } } }],
    };
    const [judged] = judge({ model: model({ operations: [] }), result, rules: allRules });
    expect(judged.messages).toEqual([expect.objectContaining({ ruleId: 'engine-unsupported', severity: 1, line: 5 })]);
  });

  it('a parse error is the only finding of a file that does not parse', () => {
    const [judged] = judge({ model: model({ parseError: { message: "')' expected.", loc: { file, line: 7, column: 12 } } }), rules: allRules });
    expect(judged.messages).toEqual([expect.objectContaining({ ruleId: null, fatal: true, line: 7, column: 12 })]);
    expect(judged.fatalErrorCount).toBe(1);
  });

  it('a finding in another file gets that file its own result', () => {
    const downFile = '/project/migrations/001_users.down.sql';
    const [, down] = judge({
      model: model({ operations: [{ direction: 'down', kind: 'DROP TABLE', target: 'users', needsGuard: true, guarded: false, loc: { file: downFile, line: 2, column: 1 } }] }),
      rules: allRules,
    });
    expect(down.filePath).toBe(downFile);
    expect(down.messages[0]).toMatchObject({ ruleId: 'require-guard', line: 2 });
  });

  it('says what really stopped an earlier migration: a load error is not the engine\'s, a timeout is not a statement\'s', () => {
    const notRun = (replayError: ProtocolResult['replayError']) =>
      judge({ model: model({ operations: [] }), result: { engine: 'pglite', steps: [], replayError }, rules: allRules })[0].messages[0].message;
    expect(notRun({ migration: '001_users.ts', message: "cannot find module 'slugify' imported from /p/001_users.ts", cause: 'load' })).toBe(
      "Not run: the earlier migration 001_users.ts cannot be loaded: cannot find module 'slugify' imported from /p/001_users.ts",
    );
    expect(notRun({ migration: '001_users.ts', message: 'its up did not finish within 10000 ms', cause: 'stopped' })).toBe(
      'Not run: the earlier migration 001_users.ts was stopped: its up did not finish within 10000 ms',
    );
    expect(notRun({ migration: '001_users.ts', message: 'relation "accounts" does not exist', cause: 'statement' })).toBe(
      'Not run: a statement of the earlier migration 001_users.ts fails on pglite: relation "accounts" does not exist',
    );
  });

  it('rollsafe\'s own failure on a migration is an error on that file, pointing to --debug', () => {
    const [result] = judge({ model: model({ operations: [] }), result: { engine: 'pg-mem', steps: [], internalError: { message: 'Error (no message)' } }, rules: allRules });
    expect(result.messages).toEqual([
      expect.objectContaining({ ruleId: null, severity: 2, line: 3, message: 'rollsafe could not finish checking this migration on pg-mem: Error (no message)', help: expect.stringMatching(/--debug/) }),
    ]);
  });
});
