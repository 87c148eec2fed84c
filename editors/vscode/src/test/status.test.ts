/** Unit tests of what the status bar item shows in each state. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  formatLatency,
  formatProgress,
  renderStatus,
  SHOW_OUTPUT_COMMAND,
  TOGGLE_COMMAND,
} from '../status';

const running = { server: 'running' as const, enabled: true, model: 'qwen2.5-coder' };

describe('renderStatus', () => {
  it('shows the model and the last latency while running', () => {
    const view = renderStatus({ ...running, lastLatencyMs: 184.4 });
    assert.equal(view.text, '$(sparkle) qwen2.5-coder · 184 ms');
    assert.equal(view.command, TOGGLE_COMMAND);
    assert.equal(view.isError, false);
  });

  it('lets an error win and opens the output on click', () => {
    const view = renderStatus({
      ...running,
      progress: { title: 'Indexing', percentage: 10 },
      error: 'model.url: cannot connect',
    });
    assert.equal(view.text, '$(error) fillin');
    assert.equal(view.command, SHOW_OUTPUT_COMMAND);
    assert.equal(view.isError, true);
    assert.match(view.tooltip, /model\.url: cannot connect/);
  });

  it('shows indexing progress before the model', () => {
    const view = renderStatus({
      ...running,
      progress: { title: 'Indexing', message: '120/300 files', percentage: 40 },
    });
    assert.equal(view.text, '$(sync~spin) fillin: indexing 40%');
  });

  it('says when suggestions are off and turns them on from a click', () => {
    const view = renderStatus({ ...running, enabled: false });
    assert.equal(view.text, '$(circle-slash) fillin');
    assert.equal(view.command, TOGGLE_COMMAND);
  });

  it('tells a stopped server from a starting one', () => {
    assert.equal(
      renderStatus({ ...running, server: 'stopped' }).text,
      '$(debug-disconnect) fillin',
    );
    assert.equal(renderStatus({ ...running, server: 'starting' }).text, '$(loading~spin) fillin');
  });
});

describe('formatProgress', () => {
  it('clamps the percentage and falls back to the message, then the title', () => {
    assert.equal(formatProgress({ title: 'Indexing', percentage: 140 }), 'indexing 100%');
    assert.equal(
      formatProgress({ title: 'Indexing', message: ' 3/9 files ' }),
      'indexing: 3/9 files',
    );
    assert.equal(formatProgress({ title: '' }), 'working');
  });
});

describe('formatLatency', () => {
  it('uses milliseconds below a second and seconds above', () => {
    assert.equal(formatLatency(0.4), '0 ms');
    assert.equal(formatLatency(999), '999 ms');
    assert.equal(formatLatency(1250), '1.3 s');
  });
});
