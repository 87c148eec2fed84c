/** Unit tests of the `fillin/didChangeCursor` reports: debounce, typing, focus, privacy. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CURSOR_CAPABILITY, CursorReporter, type CursorParams, type CursorPlace } from '../cursor';

/** A clock the test advances by hand, and a record of what was sent. */
function harness(wanted: Set<string> = new Set(['file:///a.py', 'file:///b.py'])) {
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  const sent: CursorParams[] = [];
  let now = 0;
  const reporter = new CursorReporter(
    {
      setTimer: (run, ms) => {
        const timer = { at: now + ms, run, cancelled: false };
        timers.push(timer);
        return { cancel: () => (timer.cancelled = true) };
      },
      now: () => now,
      isWanted: (uri) => wanted.has(uri),
      send: (params) => sent.push(params),
    },
    150,
  );
  return {
    reporter,
    sent,
    wanted,
    advance: (ms: number) => {
      now += ms;
      for (const timer of timers.filter((t) => !t.cancelled && t.at <= now)) {
        timer.cancelled = true;
        timer.run();
      }
    },
  };
}

const at = (line: number, character: number, uri = 'file:///a.py', version = 1): CursorPlace => ({
  uri,
  version,
  line,
  character,
});

describe('CursorReporter', () => {
  it('reports the cursor once it rests, with the document version', () => {
    const h = harness();
    h.reporter.moved(at(1, 0));
    h.advance(100);
    h.reporter.moved(at(2, 4, 'file:///a.py', 3));
    h.advance(149);
    assert.deepEqual(h.sent, []);
    h.advance(1);
    assert.deepEqual(h.sent, [
      { textDocument: { uri: 'file:///a.py', version: 3 }, position: { line: 2, character: 4 } },
    ]);
  });

  it('does not report moves made by typing', () => {
    const h = harness();
    h.reporter.typed('file:///a.py');
    h.reporter.moved(at(1, 5));
    h.advance(500);
    assert.deepEqual(h.sent, []);
    // A move well after the last keystroke is the user's own.
    h.reporter.moved(at(7, 0));
    h.advance(150);
    assert.equal(h.sent.length, 1);
  });

  it('reports a focused editor, even at the place it reported before', () => {
    const h = harness();
    h.reporter.moved(at(3, 1));
    h.advance(150);
    h.reporter.moved(at(3, 1));
    h.advance(150);
    assert.equal(h.sent.length, 1, 'the same place twice in a row is reported once');
    h.reporter.focused(at(3, 1));
    h.advance(150);
    assert.equal(h.sent.length, 2);
  });

  it('asks whether the document may be warmed when the report goes out', () => {
    const h = harness();
    h.reporter.focused(at(0, 0, 'file:///b.py'));
    // Suggestions turned off for the document while the report waited: nothing is sent.
    h.wanted.delete('file:///b.py');
    h.advance(150);
    assert.deepEqual(h.sent, []);
  });

  it('never reports a document that is not wanted', () => {
    const h = harness(new Set());
    h.reporter.focused(at(0, 0));
    h.reporter.moved(at(1, 0));
    h.advance(1000);
    assert.deepEqual(h.sent, []);
  });

  it('declares the notification under experimental.fillin', () => {
    assert.deepEqual(CURSOR_CAPABILITY, { fillin: { didChangeCursor: true } });
  });
});
