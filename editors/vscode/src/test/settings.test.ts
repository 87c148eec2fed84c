/** Unit tests of which settings reach the server and in what shape. */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { explicitValueOf, modelLabel, serverSettingKeys, serverSettings } from '../settings';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const contributed = manifest.contributes.configuration.properties as Record<string, unknown>;

describe('serverSettingKeys', () => {
  it('takes every contributed server key and none of the extension-only ones', () => {
    const keys = serverSettingKeys(contributed);
    for (const key of [
      'model.backend',
      'model.maxTokens',
      'completion.enabled',
      'validation.syntax',
      'logLevel',
    ]) {
      assert.ok(keys.includes(key), `${key} is missing from ${keys.join(', ')}`);
    }
    assert.deepEqual(
      keys.filter(
        (key) =>
          key.startsWith('server.') ||
          key.startsWith('trace.') ||
          key.startsWith('suggest.') ||
          key === 'languages',
      ),
      [],
    );
    const own = Object.keys(contributed).filter((key) =>
      /^fillin\.(server\.|trace\.|suggest\.|languages$)/.test(key),
    );
    assert.equal(own.length, 8);
    assert.equal(keys.length, Object.keys(contributed).length - own.length);
  });
});

describe('serverSettings', () => {
  it('nests the explicit values by their dots and leaves out the rest', () => {
    const explicit: Record<string, unknown> = {
      'model.backend': 'llamacpp',
      'model.url': 'http://127.0.0.1:8080',
      'model.stop': ['\n\n'],
      'completion.enabled': false,
      logLevel: 'debug',
    };
    const tree = serverSettings(serverSettingKeys(contributed), (key) => explicit[key]);
    assert.deepEqual(tree, {
      model: { backend: 'llamacpp', url: 'http://127.0.0.1:8080', stop: ['\n\n'] },
      completion: { enabled: false },
      logLevel: 'debug',
    });
  });

  it('sends an empty object when nothing is set', () => {
    assert.deepEqual(
      serverSettings(['model.backend', 'logLevel'], () => undefined),
      {},
    );
  });
});

describe('explicitValueOf', () => {
  it('prefers the folder, then the workspace, then the user value, and ignores defaults', () => {
    assert.equal(
      explicitValueOf({ globalValue: 1, workspaceValue: 2, workspaceFolderValue: 3 }),
      3,
    );
    assert.equal(explicitValueOf({ globalValue: 1, workspaceValue: 2 }), 2);
    assert.equal(explicitValueOf({ globalValue: false }), false);
    assert.equal(explicitValueOf({}), undefined);
    assert.equal(explicitValueOf(undefined), undefined);
  });

  it('takes only the user value, else the default, of a restricted setting in an untrusted workspace', () => {
    const inspected = {
      defaultValue: '',
      globalValue: 'http://127.0.0.1:8080',
      workspaceValue: 'http://evil:1',
    };
    assert.equal(explicitValueOf(inspected, { userOnly: true }), 'http://127.0.0.1:8080');
    // The default is sent so that it also outranks the repository's fillin.toml.
    assert.equal(
      explicitValueOf({ defaultValue: '', workspaceValue: 'http://evil:1' }, { userOnly: true }),
      '',
    );
    assert.equal(explicitValueOf(inspected, { userOnly: false }), 'http://evil:1');
  });
});

describe('modelLabel', () => {
  it('names the model, the GGUF file or the backend, in that order', () => {
    assert.equal(
      modelLabel({ model: { backend: 'ollama', name: 'qwen2.5-coder:1.5b' } }),
      'qwen2.5-coder:1.5b',
    );
    assert.equal(
      modelLabel({ model: { backend: 'embedded', path: '/models/tiny.gguf' } }),
      'tiny.gguf',
    );
    assert.equal(modelLabel({ model: { backend: 'llamacpp' } }), 'llamacpp');
    assert.equal(modelLabel({}), 'default model');
  });
});
