/** Unit tests of when the inline provider answers: trigger mode, debounce, language switch. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancellationTokenSource } from 'vscode-languageserver-protocol';

import { decideTrigger, isLanguageEnabled, shouldAnswer, waitUnlessCancelled } from '../trigger';

const automatic = { mode: 'automatic' as const, debounceMs: 75, languages: { '*': true } };
const manual = { ...automatic, mode: 'manual' as const };

/** A clock the test advances by hand, so the debounce is checked without real waiting. */
function manualClock() {
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  let now = 0;
  return {
    setTimer: (run: () => void, ms: number) => {
      const timer = { at: now + ms, run, cancelled: false };
      timers.push(timer);
      return { cancel: () => (timer.cancelled = true) };
    },
    advance: async (ms: number) => {
      now += ms;
      for (const timer of timers.filter((t) => !t.cancelled && t.at <= now)) {
        timer.cancelled = true;
        timer.run();
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
    pending: () => timers.filter((t) => !t.cancelled).length,
  };
}

describe('decideTrigger', () => {
  it('answers typing after the debounce in automatic mode, explicit requests at once', () => {
    assert.deepEqual(decideTrigger(automatic, 'typing', 'python'), { answer: true, delayMs: 75 });
    assert.deepEqual(decideTrigger(automatic, 'explicit', 'python'), { answer: true, delayMs: 0 });
  });

  it('answers only explicit requests in manual mode', () => {
    assert.deepEqual(decideTrigger(manual, 'typing', 'python'), {
      answer: false,
      reason: 'manual mode',
    });
    assert.deepEqual(decideTrigger(manual, 'explicit', 'python'), { answer: true, delayMs: 0 });
  });

  it('keeps the debounce within 0..2000 ms whatever the setting says', () => {
    const delay = (debounceMs: number) =>
      decideTrigger({ ...automatic, debounceMs }, 'typing', 'go');
    assert.deepEqual(delay(-5), { answer: true, delayMs: 0 });
    assert.deepEqual(delay(99_999), { answer: true, delayMs: 2000 });
    assert.deepEqual(delay(Number.NaN), { answer: true, delayMs: 0 });
  });

  it('does not answer, even explicitly, in a language that is switched off', () => {
    const settings = { ...automatic, languages: { '*': true, markdown: false } };
    assert.deepEqual(decideTrigger(settings, 'explicit', 'markdown'), {
      answer: false,
      reason: 'language off',
    });
    assert.equal(decideTrigger(settings, 'typing', 'python').answer, true);
  });
});

describe('isLanguageEnabled', () => {
  it('reads the language, then *, then defaults to on, ignoring non-booleans', () => {
    assert.equal(isLanguageEnabled({}, 'python'), true);
    assert.equal(isLanguageEnabled({ '*': false }, 'python'), false);
    assert.equal(isLanguageEnabled({ '*': false, python: true }, 'python'), true);
    assert.equal(isLanguageEnabled({ python: 'no' }, 'python'), true);
  });
});

describe('the debounce', () => {
  it('answers once the wait runs out and drops a request cancelled by the next keystroke', async () => {
    const clock = manualClock();
    const first = new CancellationTokenSource();
    const second = new CancellationTokenSource();
    const answers: string[] = [];
    void shouldAnswer(automatic, 'typing', 'python', first.token, clock.setTimer).then((yes) =>
      answers.push(`first ${yes}`),
    );
    await clock.advance(50);
    first.cancel();
    void shouldAnswer(automatic, 'typing', 'python', second.token, clock.setTimer).then((yes) =>
      answers.push(`second ${yes}`),
    );
    await clock.advance(74);
    assert.deepEqual(answers, ['first false']);
    await clock.advance(1);
    assert.deepEqual(answers, ['first false', 'second true']);
    assert.equal(clock.pending(), 0);
  });

  it('does not wait for an explicit request or one already cancelled', async () => {
    const clock = manualClock();
    const token = new CancellationTokenSource();
    assert.equal(await shouldAnswer(automatic, 'explicit', 'c', token.token, clock.setTimer), true);
    token.cancel();
    assert.equal(await waitUnlessCancelled(75, token.token, clock.setTimer), false);
    assert.equal(clock.pending(), 0);
  });

  it('waits on a real timer by default', async () => {
    const token = new CancellationTokenSource();
    const started = performance.now();
    assert.equal(await waitUnlessCancelled(30, token.token), true);
    assert.ok(performance.now() - started >= 25);
  });
});
