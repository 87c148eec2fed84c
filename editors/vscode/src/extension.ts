/**
 * The fillin VS Code extension: starts `fillin serve`, shows its inline completions, and keeps
 * a status bar item, commands and statistics notifications around it.
 *
 * The language client does the LSP work (document sync, inline completions, code actions such
 * as "Generate code from comment"). This module wires VS Code to it: settings go to the server
 * as initializationOptions and on every change; middleware measures latency, follows
 * `$/progress` and tells `SuggestionTracker` which item is on screen; commands toggle, trigger,
 * show the cursor's context, show statistics and restart. The logic worth testing lives in
 * modules that do not import `vscode` (settings, status, suggestions, serverCommand,
 * contextReport) and is unit-tested with node's test runner.
 */

import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import { formatContextReport } from './contextReport';
import {
  type CommandLine,
  formatCommandLine,
  resolveServerCommand,
  ServerCommandError,
} from './serverCommand';
import {
  explicitValueOf,
  modelLabel,
  serverSettingKeys,
  serverSettings,
  type SettingsTree,
} from './settings';
import {
  type ProgressState,
  renderStatus,
  type ServerState,
  SHOW_OUTPUT_COMMAND,
  TOGGLE_COMMAND,
} from './status';
import { ACCEPT_COMMAND, type Place, suggestionId, SuggestionTracker } from './suggestions';

const CONTEXT_REQUEST = 'fillin/context';
const VIEW_SCHEME = 'fillin';
const RUNNING_CONTEXT_KEY = 'fillin.running';
const STATS_TIMEOUT_MS = 30_000;

let extension: FillinExtension | undefined;

/** Called by VS Code when a file of a supported language opens. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extension = new FillinExtension(context);
  await extension.start();
}

/** Called by VS Code on shutdown; stops the server cleanly. */
export async function deactivate(): Promise<void> {
  await extension?.stop();
  extension = undefined;
}

/** Read-only virtual documents (`fillin:` URIs) for the context and statistics pages. */
class Pages implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  async show(name: string, text: string, language: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: VIEW_SCHEME, path: `/${name}` });
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, language);
    await vscode.window.showTextDocument(document, {
      preview: true,
      viewColumn: vscode.ViewColumn.Beside,
    });
  }
}

class FillinExtension {
  private client: LanguageClient | undefined;
  private readonly output: vscode.LogOutputChannel;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly pages = new Pages();
  private readonly tracker: SuggestionTracker;
  private readonly progress = new Map<string, ProgressState>();
  private readonly serverKeys: string[];
  private serverState: ServerState = 'stopped';
  private lastLatencyMs: number | undefined;
  private error: string | undefined;

  constructor(context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('fillin', { log: true });
    this.statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'fillin';
    this.serverKeys = serverSettingKeys(
      context.extension.packageJSON.contributes?.configuration?.properties ?? {},
    );
    this.tracker = new SuggestionTracker((notification) => {
      void this.client
        ?.sendNotification(notification.method, notification.params)
        .catch((error: unknown) => {
          this.output.warn(`cannot send ${notification.method}: ${describe(error)}`);
        });
    });
    context.subscriptions.push(
      this.output,
      this.statusItem,
      vscode.workspace.registerTextDocumentContentProvider(VIEW_SCHEME, this.pages),
      vscode.workspace.onDidChangeConfiguration((event) => this.onDidChangeConfiguration(event)),
      ...this.registerCommands(),
    );
    this.render();
    this.statusItem.show();
  }

  async start(): Promise<void> {
    this.error = undefined;
    let line: CommandLine;
    try {
      line = resolveServerCommand(this.serverCommandSettings(), 'serve', this.expansions());
    } catch (error) {
      this.fail(error instanceof ServerCommandError ? error.message : describe(error));
      return;
    }
    this.output.info(`starting ${formatCommandLine(line)}`);
    const serverOptions: ServerOptions = {
      command: line.command,
      args: [...line.args],
      transport: TransportKind.stdio,
      options: { cwd: this.expansions().workspaceFolder },
    };
    const client = new LanguageClient('fillin', 'fillin', serverOptions, this.clientOptions());
    this.client = client;
    client.onDidChangeState((event) => {
      this.serverState =
        event.newState === State.Running
          ? 'running'
          : event.newState === State.Starting
            ? 'starting'
            : 'stopped';
      void vscode.commands.executeCommand(
        'setContext',
        RUNNING_CONTEXT_KEY,
        this.serverState === 'running',
      );
      if (event.newState === State.Running) {
        this.error = undefined;
      } else if (
        event.oldState === State.Running &&
        event.newState === State.Stopped &&
        this.client === client
      ) {
        this.error = 'the server stopped; run "fillin: Restart Server" after fixing the cause';
      }
      this.render();
    });
    try {
      await client.start();
    } catch (error) {
      this.fail(
        `cannot start ${formatCommandLine(line)} (${describe(error)}); set fillin.server.command or fillin.server.pythonPath`,
      );
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.tracker.reset();
    this.progress.clear();
    if (client !== undefined) {
      try {
        await client.stop();
      } catch (error) {
        this.output.warn(`stopping the server: ${describe(error)}`);
      }
      await client.dispose();
    }
    this.serverState = 'stopped';
    this.render();
  }

  private clientOptions(): LanguageClientOptions {
    const languages = vscode.workspace.getConfiguration('fillin').get<string[]>('languages', []);
    return {
      documentSelector: languages.flatMap((language) => [
        { scheme: 'file', language },
        { scheme: 'untitled', language },
      ]),
      outputChannel: this.output,
      initializationOptions: this.currentServerSettings(),
      middleware: {
        provideInlineCompletionItems: (document, position, context, token, next) =>
          this.provideInlineCompletionItems(document, position, context, token, next),
        handleWorkDoneProgress: (token, params, next) => {
          const key = String(token);
          if (params.kind === 'begin') {
            this.progress.set(key, {
              title: params.title,
              message: params.message,
              percentage: params.percentage,
            });
          } else if (params.kind === 'report') {
            const previous = this.progress.get(key) ?? { title: '' };
            this.progress.set(key, {
              title: previous.title,
              message: params.message ?? previous.message,
              percentage: params.percentage ?? previous.percentage,
            });
          } else {
            this.progress.delete(key);
          }
          this.render();
          next(token, params);
        },
        workspace: {
          // The server may pull its section instead of waiting for a push; it gets the same
          // explicit-only view as initializationOptions.
          configuration: async (params, token, next) => {
            const values = await next(params, token);
            if (!Array.isArray(values)) {
              return values;
            }
            return params.items.map((item, idx) =>
              item.section === 'fillin' ? this.currentServerSettings() : values[idx],
            );
          },
        },
      },
    };
  }

  private async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
    next: (
      document: vscode.TextDocument,
      position: vscode.Position,
      context: vscode.InlineCompletionContext,
      token: vscode.CancellationToken,
    ) => vscode.ProviderResult<vscode.InlineCompletionItem[] | vscode.InlineCompletionList>,
  ): Promise<vscode.InlineCompletionItem[] | vscode.InlineCompletionList | null | undefined> {
    if (!this.isEnabled()) {
      return null;
    }
    const shown = this.tracker.shown;
    let typed: string | undefined;
    if (shown !== undefined && shown.start.uri === document.uri.toString()) {
      const start = new vscode.Position(shown.start.line, shown.start.character);
      typed = position.isBefore(start)
        ? undefined
        : document.getText(new vscode.Range(start, position));
    }
    this.tracker.requested(place(document, position), typed);
    const started = performance.now();
    let result: vscode.InlineCompletionItem[] | vscode.InlineCompletionList | null | undefined;
    try {
      result = await next(document, position, context, token);
    } catch (error) {
      if (!token.isCancellationRequested) {
        this.error = `inline completion failed: ${describe(error)}`;
        this.render();
      }
      return null;
    }
    if (token.isCancellationRequested) {
      return result;
    }
    this.lastLatencyMs = performance.now() - started;
    this.error = undefined;
    this.render();
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    const first = items[0];
    const id = suggestionId(first?.command);
    if (first !== undefined && id !== undefined) {
      const text = typeof first.insertText === 'string' ? first.insertText : first.insertText.value;
      this.tracker.show({ id, text, start: place(document, first.range?.start ?? position) });
    }
    return result;
  }

  private registerCommands(): vscode.Disposable[] {
    const register = (id: string, run: (...args: unknown[]) => unknown) =>
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await run(...args);
        } catch (error) {
          this.output.error(`${id}: ${describe(error)}`);
          void vscode.window.showErrorMessage(`fillin: ${describe(error)}`);
        }
      });
    return [
      register(TOGGLE_COMMAND, () => this.toggle()),
      register('fillin.trigger', () =>
        vscode.commands.executeCommand('editor.action.inlineSuggest.trigger'),
      ),
      register('fillin.showContext', () => this.showContext()),
      register('fillin.showStats', () => this.showStats()),
      register('fillin.restart', async () => {
        await this.stop();
        await this.start();
      }),
      register(SHOW_OUTPUT_COMMAND, () => this.output.show()),
      register(ACCEPT_COMMAND, (arg) => {
        const id = suggestionId({ command: ACCEPT_COMMAND, arguments: [arg] });
        if (id !== undefined) {
          this.tracker.accept(id);
        }
      }),
      register('fillin.acceptNextWord', () =>
        this.acceptPart('editor.action.inlineSuggest.acceptNextWord'),
      ),
      register('fillin.acceptNextLine', () =>
        this.acceptPart('editor.action.inlineSuggest.acceptNextLine'),
      ),
    ];
  }

  private async toggle(): Promise<void> {
    const enabled = !this.isEnabled();
    await vscode.workspace
      .getConfiguration('fillin')
      .update('completion.enabled', enabled, vscode.ConfigurationTarget.Global);
    if (!enabled) {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    }
  }

  /** Runs VS Code's partial accept and reports what it inserted. */
  private async acceptPart(command: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const before = editor?.selection.active;
    await vscode.commands.executeCommand(command);
    const after = editor?.selection.active;
    if (
      editor !== undefined &&
      before !== undefined &&
      after !== undefined &&
      after.isAfter(before)
    ) {
      this.tracker.acceptPart(editor.document.getText(new vscode.Range(before, after)));
    }
  }

  private async showContext(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const client = this.client;
    if (editor === undefined || client === undefined || !client.isRunning()) {
      throw new Error('open a file with the fillin server running to see its context');
    }
    const { document, selection } = editor;
    const params = client.code2ProtocolConverter.asTextDocumentPositionParams(
      document,
      selection.active,
    );
    const result: unknown = await client.sendRequest(CONTEXT_REQUEST, params);
    const cursor = {
      path: vscode.workspace.asRelativePath(document.uri),
      line: selection.active.line + 1,
      column: selection.active.character + 1,
    };
    await this.pages.show('context.md', formatContextReport(result, cursor), 'markdown');
  }

  private async showStats(): Promise<void> {
    const line = resolveServerCommand(this.serverCommandSettings(), 'stats', this.expansions());
    const text = await new Promise<string>((resolve, reject) => {
      execFile(
        line.command,
        [...line.args],
        { cwd: this.expansions().workspaceFolder, timeout: STATS_TIMEOUT_MS },
        (error, stdout, stderr) => {
          if (error !== null) {
            reject(
              new Error(`${formatCommandLine(line)} failed: ${stderr.trim() || error.message}`),
            );
          } else {
            resolve(stdout);
          }
        },
      );
    });
    await this.pages.show('statistics.txt', text, 'plaintext');
  }

  private onDidChangeConfiguration(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration('fillin')) {
      return;
    }
    if (
      ['fillin.server', 'fillin.languages'].some((section) => event.affectsConfiguration(section))
    ) {
      void vscode.window
        .showInformationMessage(
          'fillin: restart the server to use the new server settings',
          'Restart',
        )
        .then((choice) =>
          choice === 'Restart' ? vscode.commands.executeCommand('fillin.restart') : undefined,
        );
    }
    this.render();
    const client = this.client;
    if (client?.isRunning()) {
      void client
        .sendNotification(DidChangeConfigurationNotification.type, {
          settings: { fillin: this.currentServerSettings() },
        })
        .catch((error: unknown) =>
          this.output.warn(`cannot send the settings: ${describe(error)}`),
        );
    }
  }

  private currentServerSettings(): SettingsTree {
    const configuration = vscode.workspace.getConfiguration('fillin');
    return serverSettings(this.serverKeys, (key) => explicitValueOf(configuration.inspect(key)));
  }

  private serverCommandSettings() {
    const configuration = vscode.workspace.getConfiguration('fillin.server');
    return {
      command: configuration.get<string[]>('command', []),
      pythonPath: configuration.get<string>('pythonPath', ''),
    };
  }

  private expansions() {
    return {
      home: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    };
  }

  private isEnabled(): boolean {
    return vscode.workspace.getConfiguration('fillin').get<boolean>('completion.enabled', true);
  }

  private fail(message: string): void {
    this.error = message;
    this.output.error(message);
    this.render();
    void vscode.window.showErrorMessage(`fillin: ${message}`, 'Open Output').then((choice) => {
      if (choice === 'Open Output') {
        this.output.show();
      }
    });
  }

  private render(): void {
    const progress = Array.from(this.progress.values()).pop();
    const view = renderStatus({
      server: this.serverState,
      enabled: this.isEnabled(),
      model: modelLabel(this.currentServerSettings()),
      progress,
      lastLatencyMs: this.lastLatencyMs,
      error: this.error,
    });
    this.statusItem.text = view.text;
    this.statusItem.tooltip = view.tooltip;
    this.statusItem.command = view.command;
    this.statusItem.backgroundColor = view.isError
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : undefined;
  }
}

function place(document: vscode.TextDocument, position: vscode.Position): Place {
  return { uri: document.uri.toString(), line: position.line, character: position.character };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
