/** Unit tests of what the status bar item shows in each state. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  backendFailureAfter,
  DOCTOR_COMMAND,
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

describe('the fillin/status notification', () => {
  const failure = {
    state: 'error',
    message:
      'model.url: cannot connect to http://127.0.0.1:8080; start the server or fix model.url',
    backend: 'llamacpp',
  };

  it('keeps a backend failure on the item until the next success, and the doctor a click away', () => {
    let current = backendFailureAfter(undefined, failure);
    const failed = renderStatus({ ...running, lastLatencyMs: 35, backendFailure: current });
    assert.equal(failed.text, '$(error) fillin: llamacpp failed');
    assert.equal(failed.isError, true);
    assert.equal(failed.command, DOCTOR_COMMAND);
    assert.match(failed.tooltip, /cannot connect to http:\/\/127\.0\.0\.1:8080; start the server/);
    assert.doesNotMatch(failed.tooltip, /35 ms/);

    // Progress, latency and malformed notifications do not clear it; only "ok" does.
    current = backendFailureAfter(current, { state: 'busy' });
    current = backendFailureAfter(current, null);
    current = backendFailureAfter(current, { state: 'error', message: '   ' });
    const still = renderStatus({
      ...running,
      lastLatencyMs: 12,
      progress: { title: 'Indexing', percentage: 5 },
      backendFailure: current,
    });
    assert.equal(still.text, '$(error) fillin: llamacpp failed');

    current = backendFailureAfter(current, { state: 'ok', message: '', backend: 'llamacpp' });
    assert.equal(current, undefined);
    assert.equal(
      renderStatus({ ...running, lastLatencyMs: 12, backendFailure: current }).text,
      '$(sparkle) qwen2.5-coder · 12 ms',
    );
  });

  it('shows the newest failure, shortened and without control characters', () => {
    const first = backendFailureAfter(undefined, failure);
    const second = backendFailureAfter(first, {
      state: 'error',
      message: `model.timeoutMs: no token in 5000 ms\u001b[31m${'x'.repeat(900)}`,
      backend: 42,
    });
    assert.equal(second?.backend, '');
    assert.ok(second !== undefined && second.message.length === 500, second?.message);
    assert.match(second?.message ?? '', /^model\.timeoutMs: no token in 5000 ms \[31mx/);
    assert.equal(
      renderStatus({ ...running, backendFailure: second }).text,
      '$(error) fillin: model failed',
    );
  });

  it('lets a server that cannot start win over a backend failure', () => {
    const view = renderStatus({
      ...running,
      error: 'cannot start fillin serve',
      backendFailure: backendFailureAfter(undefined, failure),
    });
    assert.equal(view.text, '$(error) fillin');
    assert.equal(view.command, SHOW_OUTPUT_COMMAND);
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
