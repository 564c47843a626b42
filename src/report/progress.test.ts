import { describe, expect, it } from 'vitest';
import { createProgress, progressText } from './progress.js';

/** A clock and an interval the test moves by hand. */
function fakeTime() {
  let time = 0;
  let tick: (() => void) | undefined;
  let cleared = false;
  return {
    now: () => time,
    setInterval: (run: () => void) => {
      tick = run;
      return {};
    },
    clearInterval: () => {
      cleared = true;
    },
    advance(ms: number, every: number) {
      for (let passed = 0; passed < ms; passed += every) {
        time += every;
        if (!cleared) tick?.();
      }
    },
  };
}

function sink(isTTY = false) {
  const written: string[] = [];
  return { written, stream: { isTTY, columns: 200, write: (text: string) => written.push(text) } };
}

const at = (done: number, step?: string) => ({ done, total: 350, set: '/repo/db/migrations', file: `/repo/db/migrations/${String(done + 1).padStart(3, '0')}_x.ts`, step });

describe('progress', () => {
  it('says where the run is: [done/total] set · file · step', () => {
    expect(progressText(at(122, 'up-again'), '/repo')).toBe('[122/350] db/migrations · 123_x.ts · up-again');
  });

  it('off a terminal: a line every few seconds once the run has lasted, then a closing line', () => {
    const time = fakeTime();
    const { written, stream } = sink();
    const progress = createProgress({ stream, cwd: '/repo', interactive: false, everyMs: 5_000, quietForMs: 8_000, ...time });
    progress.update(at(0, 'loading'));
    time.advance(5_000, 5_000);
    expect(written).toEqual([]);
    progress.update(at(40, 'down'));
    time.advance(10_000, 5_000);
    progress.update({ ...at(350), done: 350 });
    progress.finish();
    expect(written).toEqual([
      'rollsafe: [40/350] db/migrations · 041_x.ts · down (10 s)\n',
      'rollsafe: [40/350] db/migrations · 041_x.ts · down (15 s)\n',
      'rollsafe: 350 of 350 checked (15 s)\n',
    ]);
  });

  it('off a terminal, a short run prints nothing (the git hook stays quiet)', () => {
    const time = fakeTime();
    const { written, stream } = sink();
    const progress = createProgress({ stream, cwd: '/repo', interactive: false, ...time });
    progress.update(at(0, 'up'));
    time.advance(1_000, 1_000);
    progress.update({ ...at(1), done: 1, total: 1 });
    progress.finish();
    expect(written).toEqual([]);
  });

  it('on a terminal: one line rewritten in place, cleared at the end', () => {
    const { written, stream } = sink(true);
    const progress = createProgress({ stream, cwd: '/repo', interactive: true });
    progress.update(at(1, 'up'));
    progress.update(at(1, 'down'));
    progress.finish();
    expect(written).toEqual(['\r\x1b[K[1/350] db/migrations · 002_x.ts · up', '\r\x1b[K[1/350] db/migrations · 002_x.ts · down', '\r\x1b[K']);
  });
});
