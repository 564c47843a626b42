import { afterEach, describe, expect, it } from 'vitest';
import { runAction } from '../frameworks/action.js';
import type { Engine } from '../types.js';
import { catchUnhandledRejections, FloatingWatch } from './floating.js';

/** An engine whose queries answer after `ms`, or fail when the SQL says so. */
function slowEngine(ms: number): Engine {
  return {
    name: 'pg-mem',
    query: (sql: string) =>
      new Promise((resolve, reject) => setTimeout(() => (/fail/.test(sql) ? reject(new Error(`cannot run ${sql}`)) : resolve({ rows: [], rowCount: 0 })), ms)),
    exec: async () => undefined,
    isUnsupported: () => false,
  } as unknown as Engine;
}

const file = '/project/migrations/001_x.ts';
let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('FloatingWatch', () => {
  it('an awaited query is not floating', async () => {
    const engine = slowEngine(5);
    const watch = new FloatingWatch(engine, (e) => String((e as Error).message));
    watch.begin([file]);
    await runAction(async () => {
      await engine.query('create table a (id int)');
    });
    expect(await watch.settle()).toEqual([]);
    watch.dispose();
  });

  it('a query not awaited that finishes after the step returned is floating, with its SQL', async () => {
    const engine = slowEngine(5);
    const watch = new FloatingWatch(engine, (e) => String((e as Error).message));
    watch.begin([file]);
    await runAction(async () => {
      void engine.query('create index b on a (id)');
    });
    expect(await watch.settle()).toEqual([{ sql: 'create index b on a (id)' }]);
    watch.dispose();
  });

  it('a query not awaited that fails with nothing to handle it is floating, with its error; the run is not ended', async () => {
    stop = catchUnhandledRejections();
    const engine = slowEngine(1);
    const watch = new FloatingWatch(engine, (e) => String((e as Error).message));
    watch.begin([file]);
    await runAction(async () => {
      void engine.query('fail please').then(() => undefined);
    });
    expect(await watch.settle()).toEqual([{ sql: 'fail please', error: 'cannot run fail please' }]);
    watch.dispose();
  });

  it('when the step itself failed, a sibling query it left running is not news', async () => {
    const engine = slowEngine(5);
    const watch = new FloatingWatch(engine, (e) => String((e as Error).message));
    watch.begin([file]);
    await runAction(async () => {
      await Promise.all([engine.query('fail now'), new Promise((resolve) => setTimeout(resolve, 1)).then(() => engine.query('create index c on a (id)'))]);
    }).catch(() => undefined);
    expect(await watch.settle({ stepFailed: true })).toEqual([]);
    watch.dispose();
  });

  it('queries outside a migration call (rollsafe\'s own, a replay) are never watched', async () => {
    const engine = slowEngine(5);
    const watch = new FloatingWatch(engine, (e) => String((e as Error).message));
    watch.begin([file]);
    void engine.query('select 1');
    expect(await watch.settle()).toEqual([]);
    watch.dispose();
  });
});
