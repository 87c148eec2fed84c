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
import { CURSOR_CAPABILITY, type CursorPlace, CursorReporter, DID_CHANGE_CURSOR } from './cursor';
import {
  InstallError,
  type InstallerHost,
  installServer,
  nodeHost,
  planServer,
  type ServerPlan,
} from './installer';
import {
  type CommandLine,
  formatCommandLine,
  modelOverrideArgs,
  resolveServerCommand,
  ServerCommandError,
  type ServerCommandSettings,
} from './serverCommand';
import { type Scope, toggledBoolean, toggledLanguage } from './scope';
import {
  explicitValueOf,
  modelLabel,
  serverSettingKeys,
  serverSettings,
  type SettingsTree,
} from './settings';
import {
  type BackendFailure,
  backendFailureAfter,
  DOCTOR_COMMAND,
  type ProgressState,
  renderStatus,
  type ServerState,
  SHOW_OUTPUT_COMMAND,
  STATUS_NOTIFICATION,
  TOGGLE_COMMAND,
} from './status';
import { ACCEPT_COMMAND, type Place, suggestionId, SuggestionTracker } from './suggestions';
import { isLanguageEnabled, shouldAnswer, type TriggerMode, type TriggerSettings } from './trigger';

const CONTEXT_REQUEST = 'fillin/context';
const VIEW_SCHEME = 'fillin';
const RUNNING_CONTEXT_KEY = 'fillin.running';
const STATS_TIMEOUT_MS = 30_000;
const DOCTOR_TIMEOUT_MS = 180_000;
const WELCOMED_KEY = 'fillin.welcomed';
const WALKTHROUGH = 'fillin.fillin#fillin.start';

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
  private readonly cursor: CursorReporter;
  private readonly progress = new Map<string, ProgressState>();
  private readonly serverKeys: string[];
  private serverState: ServerState = 'stopped';
  private lastLatencyMs: number | undefined;
  private error: string | undefined;
  private backendFailure: BackendFailure | undefined;
  /** Settings a workspace may not set until it is trusted (package.json capabilities). */
  private readonly restricted: ReadonlySet<string>;
  /** How the running server was found; doctor and statistics run the same program. */
  private server: ServerCommandSettings | undefined;
  private installing: Promise<ServerCommandSettings> | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('fillin', { log: true });
    this.statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'fillin';
    this.serverKeys = serverSettingKeys(
      context.extension.packageJSON.contributes?.configuration?.properties ?? {},
    );
    this.restricted = new Set(
      (
        context.extension.packageJSON.capabilities?.untrustedWorkspaces?.restrictedConfigurations ??
        []
      ).map((key: string) => key.slice('fillin.'.length)),
    );
    this.tracker = new SuggestionTracker((notification) => {
      void this.client
        ?.sendNotification(notification.method, notification.params)
        .catch((error: unknown) => {
          this.output.warn(`cannot send ${notification.method}: ${describe(error)}`);
        });
    });
    this.cursor = new CursorReporter({
      setTimer: (run, ms) => {
        const timer = setTimeout(run, ms);
        return { cancel: () => clearTimeout(timer) };
      },
      now: () => Date.now(),
      isWanted: (uri) => this.isCursorWanted(uri),
      send: (params) => {
        void this.client?.sendNotification(DID_CHANGE_CURSOR, params).catch((error: unknown) => {
          this.output.debug(`cannot send ${DID_CHANGE_CURSOR}: ${describe(error)}`);
        });
      },
    });
    context.subscriptions.push(
      ...this.watchCursor(),
      this.output,
      this.statusItem,
      vscode.workspace.registerTextDocumentContentProvider(VIEW_SCHEME, this.pages),
      vscode.workspace.onDidChangeConfiguration((event) => this.onDidChangeConfiguration(event)),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        void vscode.commands.executeCommand('fillin.restart');
      }),
      ...this.registerCommands(),
    );
    this.render();
    this.statusItem.show();
  }

  async start(): Promise<void> {
    this.error = undefined;
    let line: CommandLine;
    try {
      this.server = await this.findOrInstallServer();
      line = resolveServerCommand(this.server, 'serve', this.expansions());
    } catch (error) {
      this.fail(
        error instanceof ServerCommandError || error instanceof InstallError
          ? error.message
          : describe(error),
      );
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
    // The server leaves warm-ups on open to a client that reports the cursor: this one does.
    client.registerFeature({
      fillClientCapabilities: (capabilities) => {
        capabilities.experimental = { ...(capabilities.experimental ?? {}), ...CURSOR_CAPABILITY };
      },
      initialize: () => undefined,
      getState: () => ({ kind: 'static' }),
      clear: () => undefined,
    });
    this.client = client;
    this.backendFailure = undefined;
    client.onNotification(STATUS_NOTIFICATION, (params: unknown) => {
      const before = this.backendFailure;
      this.backendFailure = backendFailureAfter(before, params);
      if (this.backendFailure !== undefined && this.backendFailure !== before) {
        this.output.warn(`model backend failed: ${this.backendFailure.message}`);
      }
      this.render();
    });
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
        this.reportActiveEditor();
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
      this.welcomeOnce();
    } catch (error) {
      this.fail(
        `cannot start ${formatCommandLine(line)} (${describe(error)}); set fillin.server.command or fillin.server.pythonPath`,
      );
    }
  }

  /** The server to start: configured, installed before, on PATH, or installed now. */
  private async findOrInstallServer(): Promise<ServerCommandSettings> {
    const host = nodeHost();
    const layout = {
      storageDir: this.context.globalStorageUri.fsPath,
      extensionDir: this.context.extensionPath,
      version: String(this.context.extension.packageJSON.version),
    };
    const plan = planServer(this.serverCommandSettings(), layout, host);
    if (plan.kind !== 'install') {
      this.output.info(`using the ${plan.kind} server`);
      return plan.settings;
    }
    if (!vscode.workspace.getConfiguration('fillin.server').get<boolean>('autoInstall', true)) {
      throw new InstallError(
        'no fillin server found and fillin.server.autoInstall is off; install fillin (pipx install fillin) or set fillin.server.command',
      );
    }
    // The doctor or statistics may ask while the start is installing: both wait for that one.
    if (this.installing === undefined) {
      const installing = Promise.resolve(this.install(plan, host));
      this.installing = installing;
      void installing.then(
        () => (this.installing = undefined),
        () => (this.installing = undefined),
      );
      return installing;
    }
    return this.installing;
  }

  private install(
    plan: Extract<ServerPlan, { kind: 'install' }>,
    host: InstallerHost,
  ): Thenable<ServerCommandSettings> {
    this.output.info(`installing the server from the ${plan.origin} into ${plan.envDir}`);
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'fillin: installing its server (once)',
      },
      (progress) =>
        installServer(plan, host, (message) => {
          this.output.info(message);
          progress.report({ message });
        }),
    );
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
      // The server takes the repository's restricted settings only from a trusted folder.
      initializationOptions: {
        ...this.currentServerSettings(),
        workspaceTrusted: vscode.workspace.isTrusted,
      },
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
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    const kind = explicit ? 'explicit' : 'typing';
    if (!(await shouldAnswer(this.triggerSettings(document), kind, document.languageId, token))) {
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
      register('fillin.toggleLanguage', () => this.toggleLanguage()),
      register(DOCTOR_COMMAND, () => this.runDoctor()),
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

  /** Turns suggestions off or on in the scope that sets `fillin.completion.enabled`. */
  private async toggle(): Promise<void> {
    const configuration = vscode.workspace.getConfiguration('fillin', this.activeResource());
    const { scope, value } = toggledBoolean(
      configuration.inspect<boolean>('completion.enabled'),
      this.isEnabled(),
    );
    await configuration.update('completion.enabled', value, configurationTarget(scope));
    if (!value) {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    }
  }

  /** Turns suggestions off or on for the active editor's language, at once. */
  private async toggleLanguage(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (document === undefined) {
      throw new Error('open a file to toggle suggestions for its language');
    }
    const configuration = vscode.workspace.getConfiguration('fillin', document.uri);
    const language = document.languageId;
    const on = isLanguageEnabled(this.triggerSettings(document).languages, language);
    const { scope, value } = toggledLanguage(
      configuration.inspect<Record<string, unknown>>('suggest.enable'),
      language,
      on,
    );
    await configuration.update('suggest.enable', value, configurationTarget(scope));
    if (on) {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    }
    const served = vscode.workspace.getConfiguration('fillin').get<string[]>('languages', []);
    const note = served.includes(language)
      ? ''
      : `; add "${language}" to fillin.languages and restart for the server to handle it`;
    void vscode.window.showInformationMessage(
      `fillin: suggestions ${on ? 'off' : 'on'} for ${language} (${scopeName(scope)})${note}`,
    );
  }

  /** Runs `fillin doctor` with the resolved server and the model settings, and shows it. */
  private async runDoctor(): Promise<void> {
    const server = this.server ?? (await this.findOrInstallServer());
    const line = resolveServerCommand(server, 'doctor', this.expansions());
    const args = [...line.args, ...modelOverrideArgs(this.currentServerSettings())];
    this.output.info(`running ${formatCommandLine({ command: line.command, args })}`);
    const text = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'fillin: running the doctor' },
      () =>
        new Promise<string>((resolve, reject) => {
          execFile(
            line.command,
            args,
            { cwd: this.expansions().workspaceFolder, timeout: DOCTOR_TIMEOUT_MS },
            (error, stdout, stderr) => {
              // Exit status 1 means a check failed, which is what the report is for.
              if (error !== null && (typeof error.code !== 'number' || stdout === '')) {
                reject(
                  new Error(`${formatCommandLine(line)} failed: ${stderr.trim() || error.message}`),
                );
              } else {
                resolve(stdout + (stderr.trim() === '' ? '' : `\n${stderr}`));
              }
            },
          );
        }),
    );
    await this.pages.show('doctor.txt', text, 'plaintext');
  }

  /** Points a new user at the walkthrough, once per machine. */
  private welcomeOnce(): void {
    const state = this.context.globalState;
    if (state.get<boolean>(WELCOMED_KEY, false)) {
      return;
    }
    void state.update(WELCOMED_KEY, true);
    void vscode.window
      .showInformationMessage(
        'fillin is ready: pause while typing to see a suggestion, Tab accepts it.',
        'Open Walkthrough',
        'Run Doctor',
      )
      .then((choice) => {
        if (choice === 'Open Walkthrough') {
          void vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH);
        } else if (choice === 'Run Doctor') {
          void vscode.commands.executeCommand(DOCTOR_COMMAND);
        }
      });
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
    const line = resolveServerCommand(
      this.server ?? (await this.findOrInstallServer()),
      'stats',
      this.expansions(),
    );
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
    if (
      event.affectsConfiguration('fillin.suggest') ||
      event.affectsConfiguration('fillin.completion')
    ) {
      const document = vscode.window.activeTextEditor?.document;
      if (
        document !== undefined &&
        (!this.isEnabled() ||
          !isLanguageEnabled(this.triggerSettings(document).languages, document.languageId))
      ) {
        void vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
      }
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
    const trusted = vscode.workspace.isTrusted;
    return serverSettings(this.serverKeys, (key) =>
      explicitValueOf(configuration.inspect(key), {
        userOnly: !trusted && this.restricted.has(key),
      }),
    );
  }

  private triggerSettings(document: vscode.TextDocument | undefined): TriggerSettings {
    const configuration = vscode.workspace.getConfiguration('fillin.suggest', document?.uri);
    return {
      mode: configuration.get<TriggerMode>('trigger', 'automatic'),
      debounceMs: configuration.get<number>('debounceMs', 75),
      languages: configuration.get<Record<string, unknown>>('enable', { '*': true }),
    };
  }

  private activeResource(): vscode.Uri | undefined {
    return vscode.window.activeTextEditor?.document.uri;
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

  /** The events that move or focus the cursor, turned into `fillin/didChangeCursor`. */
  private watchCursor(): vscode.Disposable[] {
    return [
      vscode.window.onDidChangeTextEditorSelection((event) =>
        this.cursor.moved(placeOf(event.textEditor)),
      ),
      vscode.window.onDidChangeActiveTextEditor(() => this.reportActiveEditor()),
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused) {
          this.reportActiveEditor();
        }
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) {
          this.cursor.typed(event.document.uri.toString());
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) =>
        this.cursor.closed(document.uri.toString()),
      ),
      { dispose: () => this.cursor.cancel() },
    ];
  }

  private reportActiveEditor(): void {
    const editor = vscode.window.activeTextEditor;
    if (editor !== undefined) {
      this.cursor.focused(placeOf(editor));
    }
  }

  /** Whether the document at `uri` may be warmed: the checks an inline request makes, read
   * now, so a document turned off after its report was scheduled sends nothing. */
  private isCursorWanted(uri: string): boolean {
    if (this.serverState !== 'running' || !this.isEnabled()) {
      return false;
    }
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (document === undefined || !['file', 'untitled'].includes(document.uri.scheme)) {
      return false;
    }
    const languages = vscode.workspace.getConfiguration('fillin').get<string[]>('languages', []);
    const trigger = this.triggerSettings(document);
    return (
      languages.includes(document.languageId) &&
      trigger.mode === 'automatic' &&
      isLanguageEnabled(trigger.languages, document.languageId)
    );
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
    const document = vscode.window.activeTextEditor?.document;
    const languageOn =
      document === undefined ||
      isLanguageEnabled(this.triggerSettings(document).languages, document.languageId);
    const view = renderStatus({
      server: this.serverState,
      enabled: this.isEnabled() && languageOn,
      backendFailure: this.backendFailure,
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

/** Where the editor's cursor is, as `fillin/didChangeCursor` reports it. */
function placeOf(editor: vscode.TextEditor): CursorPlace {
  const active = editor.selection.active;
  return {
    uri: editor.document.uri.toString(),
    version: editor.document.version,
    line: active.line,
    character: active.character,
  };
}

function configurationTarget(scope: Scope): vscode.ConfigurationTarget {
  return scope === 'workspaceFolder'
    ? vscode.ConfigurationTarget.WorkspaceFolder
    : scope === 'workspace'
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
}

function scopeName(scope: Scope): string {
  return scope === 'workspaceFolder'
    ? 'folder settings'
    : scope === 'workspace'
      ? 'workspace settings'
      : 'user settings';
}

function place(document: vscode.TextDocument, position: vscode.Position): Place {
  return { uri: document.uri.toString(), line: position.line, character: position.character };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
