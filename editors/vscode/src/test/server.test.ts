/**
 * The extension's own logic against the real `fillin serve`, without VS Code.
 *
 * VS Code cannot run here, but the pieces the extension hands to the language client can
 * meet the real server: the command line from `resolveServerCommand`, the settings from
 * `serverSettings` (as initializationOptions), `suggestionId` on the items the server
 * returns, the notifications `SuggestionTracker` sends (checked with `fillin stats`), and
 * `formatContextReport` on a real `fillin/context` result, and the trigger modes and debounce of
 * `shouldAnswer` in front of real inline completion requests. The workspace's fillin.toml points
`model.url` at a second scripted server, and the extension sends the URL as it does in an
untrusted workspace (the user's value, never the workspace's), so the tests also show that the
sent value outranks the repository's file. The model service is a scripted
 * loopback HTTP server (OpenAI-compatible `/v1/completions`), standing in for an external one
 * so the text is exact. The tests need the project's .venv (`make venv`), or FILLIN_PYTHON.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CancellationTokenSource,
  createProtocolConnection,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';

import { formatContextReport, isContextResult } from '../contextReport';
import { resolveServerCommand } from '../serverCommand';
import { explicitValueOf, serverSettingKeys, serverSettings } from '../settings';
import { suggestionId, SuggestionTracker } from '../suggestions';
import { shouldAnswer, type TriggerKind, type TriggerSettings } from '../trigger';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const PYTHON = process.env.FILLIN_PYTHON ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');
const REPLY = 'sum(len(item) for item in items)';
const SOURCE =
  'def total_value(items):\n    """The value of everything in stock."""\n    return \n';

/** A scripted OpenAI-compatible completion server on 127.0.0.1 that always replies `REPLY`. */
function startModelServer(prompts: string[]): Promise<Server> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.method === 'GET') {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(
          JSON.stringify({ object: 'list', data: [{ id: 'scripted', object: 'model' }] }),
        );
        return;
      }
      prompts.push(String(JSON.parse(body).prompt));
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const event = (text: string, finish: string | null) =>
        `data: ${JSON.stringify({ choices: [{ index: 0, text, finish_reason: finish }] })}\n\n`;
      response.end(event(REPLY, null) + event('', 'stop') + 'data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const hasPython = existsSync(PYTHON);

describe(
  'fillin serve, driven with the extension logic',
  { skip: hasPython ? false : `no ${PYTHON}; run make venv` },
  () => {
    const prompts: string[] = [];
    const repositoryPrompts: string[] = [];
    const logs: string[] = [];
    let model: Server;
    let repositoryModel: Server;
    let child: ChildProcess;
    let connection: ProtocolConnection;
    let workspace: string;
    let cacheDir: string;
    let uri: string;

    before(async () => {
      model = await startModelServer(prompts);
      repositoryModel = await startModelServer(repositoryPrompts);
      workspace = mkdtempSync(path.join(os.tmpdir(), 'fillin-vscode-'));
      const repositoryUrl = `http://127.0.0.1:${(repositoryModel.address() as AddressInfo).port}/v1`;
      writeFileSync(
        path.join(workspace, 'fillin.toml'),
        `[model]\nbackend = "openai"\nurl = "${repositoryUrl}"\nname = "scripted"\n`,
      );
      cacheDir = path.join(workspace, '.cache');
      const file = path.join(workspace, 'report.py');
      writeFileSync(file, SOURCE);
      uri = pathToFileURL(file).toString();

      const line = resolveServerCommand({ command: [], pythonPath: PYTHON }, 'serve', {
        home: os.homedir(),
        workspaceFolder: workspace,
      });
      child = spawn(line.command, [...line.args], {
        cwd: REPO_ROOT,
        env: { ...process.env, XDG_CACHE_HOME: cacheDir },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      connection = createProtocolConnection(child.stdout!, child.stdin!);
      connection.onRequest('workspace/configuration', () => []);
      connection.onRequest('window/workDoneProgress/create', () => null);
      connection.onRequest('client/registerCapability', () => null);
      connection.onNotification('window/logMessage', (params: { message: string }) => {
        logs.push(params.message);
      });
      connection.onNotification('window/showMessage', (params: { message: string }) => {
        logs.push(params.message);
      });
      connection.listen();

      const manifest = JSON.parse(
        readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
      );
      const explicit: Record<string, unknown> = {
        'model.backend': 'openai',
        'model.url': explicitValueOf(
          {
            defaultValue: '',
            globalValue: `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`,
            workspaceValue: repositoryUrl,
          },
          { userOnly: true },
        ),
        'model.name': 'scripted',
        'context.repository': false,
        'index.enabled': false,
        // These tests count the model calls each request makes: no remembered suggestions,
        // no warm-ups.
        'completion.cache': false,
        'completion.warmUp': false,
        logLevel: 'debug',
      };
      const initializationOptions = serverSettings(
        serverSettingKeys(manifest.contributes.configuration.properties),
        (key) => explicit[key],
      );
      await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(workspace).toString(),
        workspaceFolders: [{ uri: pathToFileURL(workspace).toString(), name: 'workspace' }],
        capabilities: { window: { workDoneProgress: true } },
        initializationOptions,
      });
      await connection.sendNotification('initialized', {});
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: 'python', version: 1, text: SOURCE },
      });
    });

    after(async () => {
      if (connection !== undefined) {
        await connection.sendRequest('shutdown').catch(() => undefined);
        await connection.sendNotification('exit').catch(() => undefined);
        connection.dispose();
      }
      child?.kill();
      model?.close();
      repositoryModel?.close();
      if (workspace !== undefined) {
        rmSync(workspace, { recursive: true, force: true });
      }
    });

    it('returns items whose command carries the id, and records their show and accept', async () => {
      const result = (await connection.sendRequest('textDocument/inlineCompletion', {
        textDocument: { uri },
        position: { line: 2, character: 11 },
        context: { triggerKind: 1 },
      })) as {
        items: { insertText: string; command?: { command: string; arguments?: unknown[] } }[];
      };

      assert.equal(result.items[0]?.insertText, REPLY, JSON.stringify({ result, prompts, logs }));
      assert.ok(prompts[0].endsWith('    return '), prompts[0]);
      assert.deepEqual(repositoryPrompts, []);
      const id = suggestionId(result.items[0].command);
      assert.ok(id !== undefined, `no id in ${JSON.stringify(result.items[0].command)}`);

      const tracker = new SuggestionTracker((notification) => {
        void connection.sendNotification(notification.method, notification.params);
      });
      tracker.show({
        id,
        text: result.items[0].insertText,
        start: { uri, line: 2, character: 11 },
      });
      tracker.accept(id);

      const database = path.join(cacheDir, 'fillin', 'stats.sqlite');
      let overall: { shown: number; accepted: number; acceptedChars: number } | undefined;
      for (let attempt = 0; attempt < 50 && overall?.accepted !== 1; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (existsSync(database)) {
          const stats = execFileSync(
            PYTHON,
            ['-m', 'lsp_server', 'stats', '--json', '--database', database],
            {
              cwd: REPO_ROOT,
              encoding: 'utf8',
            },
          );
          overall = JSON.parse(stats).overall;
        }
      }
      assert.deepEqual(
        {
          shown: overall?.shown,
          accepted: overall?.accepted,
          acceptedChars: overall?.acceptedChars,
        },
        { shown: 1, accepted: 1, acceptedChars: REPLY.length },
      );
    });

    /** What the extension's inline provider does: ask `shouldAnswer`, then the server. */
    async function provide(
      settings: TriggerSettings,
      kind: TriggerKind,
      token = new CancellationTokenSource().token,
    ): Promise<string | null> {
      if (!(await shouldAnswer(settings, kind, 'python', token))) {
        return null;
      }
      const result = (await connection.sendRequest(
        'textDocument/inlineCompletion',
        {
          textDocument: { uri },
          position: { line: 2, character: 11 },
          context: { triggerKind: kind === 'explicit' ? 1 : 2 },
        },
        token,
      )) as { items: { insertText: string }[] } | null;
      return result?.items[0]?.insertText ?? null;
    }

    it('in manual mode asks the model only on an explicit trigger', async () => {
      const manual = { mode: 'manual' as const, debounceMs: 0, languages: { '*': true } };
      const before = prompts.length;
      assert.equal(await provide(manual, 'typing'), null);
      assert.equal(await provide(manual, 'typing'), null);
      assert.equal(prompts.length, before);
      assert.equal(await provide(manual, 'explicit'), REPLY);
      assert.equal(prompts.length, before + 1);
    });

    it('in automatic mode lets only the request after a pause in typing reach the model', async () => {
      const automatic = { mode: 'automatic' as const, debounceMs: 150, languages: { '*': true } };
      const before = prompts.length;
      // Three keystrokes 20 ms apart: VS Code cancels each request when the next one comes.
      const answers: Promise<string | null>[] = [];
      let previous: CancellationTokenSource | undefined;
      for (let key = 0; key < 3; key++) {
        previous?.cancel();
        previous = new CancellationTokenSource();
        answers.push(provide(automatic, 'typing', previous.token));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(await Promise.all(answers), [null, null, REPLY]);
      assert.equal(prompts.length, before + 1);
      const off = { ...automatic, languages: { '*': true, python: false } };
      assert.equal(await provide(off, 'explicit'), null);
      assert.equal(prompts.length, before + 1);
    });

    it('answers fillin/context in the shape the context page shows', async () => {
      const result = await connection.sendRequest('fillin/context', {
        textDocument: { uri },
        position: { line: 2, character: 11 },
      });

      assert.ok(isContextResult(result), JSON.stringify(result));
      const page = formatContextReport(result, { path: 'report.py', line: 3, column: 12 });
      assert.match(page, /^# fillin context for report\.py:3:12$/m);
      assert.match(page, /## Prompt\n\n```+\n[^]*    return /);
    });
  },
);
