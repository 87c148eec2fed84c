/** Unit tests of where the toggles write, so they work when the workspace sets the key. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { scopeThatSets, toggledBoolean, toggledLanguage } from '../scope';

describe('scopeThatSets', () => {
  it('picks the most specific scope that sets the key, else the user settings', () => {
    assert.equal(scopeThatSets(undefined), 'global');
    assert.equal(scopeThatSets({ globalValue: true }), 'global');
    assert.equal(scopeThatSets({ globalValue: true, workspaceValue: false }), 'workspace');
    assert.equal(
      scopeThatSets({ workspaceValue: false, workspaceFolderValue: true }),
      'workspaceFolder',
    );
  });
});

describe('toggledBoolean', () => {
  it('writes the opposite of the effective value where the workspace set it', () => {
    assert.deepEqual(toggledBoolean({ globalValue: true, workspaceValue: false }, false), {
      scope: 'workspace',
      value: true,
    });
    assert.deepEqual(toggledBoolean({}, true), { scope: 'global', value: false });
  });
});

describe('toggledLanguage', () => {
  it('edits the object of the scope that sets it, without copying the other scopes', () => {
    const inspected = {
      globalValue: { '*': true, go: false },
      workspaceValue: { markdown: false },
    };
    assert.deepEqual(toggledLanguage(inspected, 'python', true), {
      scope: 'workspace',
      value: { markdown: false, python: false },
    });
    assert.deepEqual(toggledLanguage(inspected, 'markdown', false), {
      scope: 'workspace',
      value: { markdown: true },
    });
  });

  it('starts a user object when no scope sets the key, and ignores a malformed one', () => {
    assert.deepEqual(toggledLanguage(undefined, 'rust', true), {
      scope: 'global',
      value: { rust: false },
    });
    const broken = { workspaceFolderValue: ['python'] as unknown as Record<string, unknown> };
    assert.deepEqual(toggledLanguage(broken, 'rust', true), {
      scope: 'workspaceFolder',
      value: { rust: false },
    });
  });
});
