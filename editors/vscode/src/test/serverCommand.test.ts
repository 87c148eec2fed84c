/** Unit tests of how the server's command line is resolved from the settings. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  formatCommandLine,
  modelOverrideArgs,
  resolveServerCommand,
  ServerCommandError,
} from '../serverCommand';

const expansions = { home: '/home/ada', workspaceFolder: '/work/repo' };

describe('resolveServerCommand', () => {
  it('runs fillin from PATH when nothing is configured', () => {
    const line = resolveServerCommand({ command: [], pythonPath: '' }, 'serve', expansions);
    assert.deepEqual(line, { command: 'fillin', args: ['serve'] });
  });

  it('runs the lsp_server module with the configured interpreter', () => {
    const line = resolveServerCommand(
      { command: [], pythonPath: ' ~/.venv/bin/python ' },
      'stats',
      expansions,
    );
    assert.deepEqual(line, {
      command: '/home/ada/.venv/bin/python',
      args: ['-P', '-m', 'lsp_server', 'stats'],
    });
  });

  it('prefers the explicit command and appends the subcommand', () => {
    const line = resolveServerCommand(
      {
        command: ['uv', 'run', '--project', '${workspaceFolder}', 'fillin'],
        pythonPath: '/usr/bin/python3',
      },
      'serve',
      expansions,
    );
    assert.deepEqual(line, {
      command: 'uv',
      args: ['run', '--project', '/work/repo', 'fillin', 'serve'],
    });
  });

  it('leaves ${workspaceFolder} alone without a workspace', () => {
    const line = resolveServerCommand(
      { command: ['${workspaceFolder}/fillin'], pythonPath: '' },
      'serve',
      { home: '/home/ada', workspaceFolder: undefined },
    );
    assert.equal(line.command, '${workspaceFolder}/fillin');
  });

  it('names the setting when the command is not a list of strings', () => {
    for (const command of [['fillin', ''], ['fillin', 3], 'fillin serve']) {
      assert.throws(
        () =>
          resolveServerCommand(
            { command: command as string[], pythonPath: '' },
            'serve',
            expansions,
          ),
        (error: unknown) =>
          error instanceof ServerCommandError && error.message.startsWith('fillin.server.command:'),
      );
    }
  });
});

describe('formatCommandLine', () => {
  it('quotes only the arguments that need it', () => {
    assert.equal(
      formatCommandLine({ command: '/opt/my tools/python', args: ['-m', 'lsp_server', "it's"] }),
      `'/opt/my tools/python' -m lsp_server 'it'\\''s'`,
    );
  });
});

describe('modelOverrideArgs', () => {
  it('passes the model the VS Code settings select to fillin doctor', () => {
    assert.deepEqual(
      modelOverrideArgs({
        model: { backend: 'ollama', url: 'http://127.0.0.1:11434', name: 'qwen', maxTokens: 9 },
      }),
      ['--backend', 'ollama', '--url', 'http://127.0.0.1:11434', '--model', 'qwen'],
    );
    assert.deepEqual(modelOverrideArgs({ model: { template: '' } }), []);
    assert.deepEqual(modelOverrideArgs({}), []);
  });
});
