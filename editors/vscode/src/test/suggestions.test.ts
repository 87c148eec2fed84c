/** Unit tests of the show/accept/dismiss notifications sent for each suggestion. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ACCEPT_COMMAND,
  codePointLength,
  DID_ACCEPT,
  DID_DISMISS,
  DID_SHOW,
  type ShownSuggestion,
  type SuggestionNotification,
  suggestionId,
  SuggestionTracker,
} from '../suggestions';

const uri = 'file:///repo/app.py';

function suggestion(id: string, text: string, character = 4): ShownSuggestion {
  return { id, text, start: { uri, line: 2, character } };
}

function tracked(): { tracker: SuggestionTracker; sent: SuggestionNotification[] } {
  const sent: SuggestionNotification[] = [];
  return { tracker: new SuggestionTracker((notification) => sent.push(notification)), sent };
}

describe('suggestionId', () => {
  it('reads the id from the accept command and nothing else', () => {
    assert.equal(suggestionId({ command: ACCEPT_COMMAND, arguments: [{ id: 's-1' }] }), 's-1');
    assert.equal(suggestionId({ command: 'other.command', arguments: [{ id: 's-1' }] }), undefined);
    assert.equal(suggestionId({ command: ACCEPT_COMMAND, arguments: [{ id: 7 }] }), undefined);
    assert.equal(suggestionId({ command: ACCEPT_COMMAND, arguments: [] }), undefined);
    assert.equal(suggestionId({ command: ACCEPT_COMMAND, arguments: [null] }), undefined);
    assert.equal(suggestionId(undefined), undefined);
  });
});

describe('SuggestionTracker', () => {
  it('reports a shown item once and its full acceptance in code points', () => {
    const { tracker, sent } = tracked();
    tracker.show(suggestion('a', 'print("héllo 👋")'));
    tracker.show(suggestion('a', 'print("héllo 👋")'));
    tracker.accept('a');
    assert.deepEqual(sent, [
      { method: DID_SHOW, params: { id: 'a' } },
      { method: DID_ACCEPT, params: { id: 'a', acceptedLength: 16 } },
    ]);
    assert.equal(tracker.shown, undefined);
  });

  it('dismisses an item that another one replaces', () => {
    const { tracker, sent } = tracked();
    tracker.show(suggestion('a', 'return x'));
    tracker.show(suggestion('b', 'return y'));
    assert.deepEqual(
      sent.map((n) => [n.method, n.params.id]),
      [
        [DID_SHOW, 'a'],
        [DID_DISMISS, 'a'],
        [DID_SHOW, 'b'],
      ],
    );
  });

  it('keeps an item alive while the user types what it predicted', () => {
    const { tracker, sent } = tracked();
    tracker.show(suggestion('a', 'return total'));
    tracker.requested({ uri, line: 2, character: 10 }, 'return');
    assert.equal(tracker.shown?.id, 'a');
    tracker.requested({ uri, line: 2, character: 11 }, 'return_');
    assert.equal(tracker.shown, undefined);
    assert.deepEqual(sent.at(-1), { method: DID_DISMISS, params: { id: 'a' } });
  });

  it('dismisses an item when a request comes from another document or before it', () => {
    for (const [at, typed] of [
      [{ uri: 'file:///repo/other.py', line: 2, character: 4 }, ''],
      [{ uri, line: 1, character: 0 }, undefined],
    ] as const) {
      const { tracker, sent } = tracked();
      tracker.show(suggestion('a', 'pass'));
      tracker.requested(at, typed);
      assert.deepEqual(sent.at(-1), { method: DID_DISMISS, params: { id: 'a' } });
    }
  });

  it('reports partial accepts with a growing length and never dismisses them', () => {
    const { tracker, sent } = tracked();
    tracker.show(suggestion('a', 'total = sum(xs)'));
    tracker.acceptPart('total ');
    tracker.acceptPart('= ');
    tracker.requested({ uri, line: 2, character: 12 }, 'total = ');
    tracker.show(suggestion('b', 'pass'));
    assert.deepEqual(sent, [
      { method: DID_SHOW, params: { id: 'a' } },
      { method: DID_ACCEPT, params: { id: 'a', acceptedLength: 6 } },
      { method: DID_ACCEPT, params: { id: 'a', acceptedLength: 8 } },
      { method: DID_SHOW, params: { id: 'b' } },
    ]);
  });

  it('caps a partial accept at the length of the item and then forgets it', () => {
    const { tracker, sent } = tracked();
    tracker.show(suggestion('a', 'x = 1'));
    tracker.acceptPart('x = 1\n');
    assert.deepEqual(sent.at(-1), { method: DID_ACCEPT, params: { id: 'a', acceptedLength: 5 } });
    assert.equal(tracker.shown, undefined);
  });

  it('reports an item it never showed (a completion item) as accepted whole', () => {
    const { tracker, sent } = tracked();
    tracker.accept('from-the-suggest-widget');
    assert.deepEqual(sent, [{ method: DID_ACCEPT, params: { id: 'from-the-suggest-widget' } }]);
  });

  it('forgets the item on screen and the lengths on reset', () => {
    const { tracker, sent } = tracked();
    tracker.show(suggestion('a', 'pass'));
    tracker.reset();
    tracker.end();
    tracker.accept('a');
    assert.deepEqual(sent, [
      { method: DID_SHOW, params: { id: 'a' } },
      { method: DID_ACCEPT, params: { id: 'a' } },
    ]);
  });

  it('remembers only the most recent ids', () => {
    const sent: SuggestionNotification[] = [];
    const tracker = new SuggestionTracker((notification) => sent.push(notification), 2);
    for (const id of ['a', 'b', 'c']) {
      tracker.show(suggestion(id, 'pass'));
    }
    tracker.accept('a');
    tracker.accept('b');
    assert.deepEqual(
      sent.filter((n) => n.method === DID_ACCEPT).map((n) => n.params),
      [{ id: 'a' }, { id: 'b', acceptedLength: 4 }],
    );
  });
});

describe('codePointLength', () => {
  it('counts code points, not UTF-16 units', () => {
    assert.equal(codePointLength(''), 0);
    assert.equal(codePointLength('👋'), 1);
    assert.equal(codePointLength('é\n'), 2);
  });
});
