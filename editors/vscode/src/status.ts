/**
 * What the status bar item says: server state, model, indexing progress, last latency, errors.
 *
 * `renderStatus` is a pure function of `StatusState`, so every state the item can show is
 * covered by unit tests; the extension only copies the result into a `StatusBarItem`. An
 * error always wins (it is what the user must act on) and clicking the item then opens the
 * output channel. A model backend failure, which the server reports with the `fillin/status`
 * notification (`backendFailureAfter`), stays on the item until the server reports a success,
 * hides the last latency (which would look like a working model) and runs the doctor on a
 * click. This module never imports `vscode`.
 */

/** Where the language server is in its life. */
export type ServerState = 'starting' | 'running' | 'stopped';

/** One `$/progress` stream in flight (for example, indexing the workspace). */
export interface ProgressState {
  readonly title: string;
  readonly message?: string;
  readonly percentage?: number;
}

/** Everything the status bar item reflects. */
export interface StatusState {
  readonly server: ServerState;
  readonly enabled: boolean;
  readonly model: string;
  readonly progress?: ProgressState;
  readonly lastLatencyMs?: number;
  readonly error?: string;
  readonly backendFailure?: BackendFailure;
}

/** The last completion that ended in a model backend error, as the server reported it. */
export interface BackendFailure {
  /** The reason and the fix, in the server's words. */
  readonly message: string;
  /** The backend kind, such as `llamacpp`; empty when the server did not say. */
  readonly backend: string;
}

/** The server's notification for backend failures and the success after one. */
export const STATUS_NOTIFICATION = 'fillin/status';

const MAX_MESSAGE_CHARS = 500;

/** The commands a click on the item runs. */
export const SHOW_OUTPUT_COMMAND = 'fillin.showOutput';
export const TOGGLE_COMMAND = 'fillin.toggle';
export const DOCTOR_COMMAND = 'fillin.doctor';

/** The item's text (with codicons), tooltip, click command and whether it shows an error. */
export interface StatusView {
  readonly text: string;
  readonly tooltip: string;
  readonly command: string;
  readonly isError: boolean;
}

/** What the status bar item shows for `state`. */
export function renderStatus(state: StatusState): StatusView {
  const details = [`Model: ${state.model}`];
  if (state.lastLatencyMs !== undefined) {
    details.push(`Last suggestion: ${formatLatency(state.lastLatencyMs)}`);
  }
  if (state.error !== undefined) {
    return {
      text: '$(error) fillin',
      tooltip: [`fillin: ${state.error}`, ...details, 'Click to open the output'].join('\n'),
      command: SHOW_OUTPUT_COMMAND,
      isError: true,
    };
  }
  if (state.server === 'stopped') {
    return {
      text: '$(debug-disconnect) fillin',
      tooltip: ['fillin: the server is not running', ...details, 'Click to open the output'].join(
        '\n',
      ),
      command: SHOW_OUTPUT_COMMAND,
      isError: false,
    };
  }
  if (state.server === 'starting') {
    return {
      text: '$(loading~spin) fillin',
      tooltip: ['fillin: starting the server', ...details].join('\n'),
      command: SHOW_OUTPUT_COMMAND,
      isError: false,
    };
  }
  if (state.backendFailure !== undefined) {
    const { message, backend } = state.backendFailure;
    return {
      text: `$(error) fillin: ${backend === '' ? 'model' : backend} failed`,
      tooltip: [
        `fillin: the model backend failed: ${message}`,
        `Model: ${state.model}`,
        'Suggestions come back with the next one that succeeds',
        'Click to run the doctor',
      ].join('\n'),
      command: DOCTOR_COMMAND,
      isError: true,
    };
  }
  if (state.progress !== undefined) {
    const progress = formatProgress(state.progress);
    return {
      text: `$(sync~spin) fillin: ${progress}`,
      tooltip: [`fillin: ${progress}`, ...details].join('\n'),
      command: SHOW_OUTPUT_COMMAND,
      isError: false,
    };
  }
  if (!state.enabled) {
    return {
      text: '$(circle-slash) fillin',
      tooltip: ['fillin: suggestions are off', ...details, 'Click to turn them on'].join('\n'),
      command: TOGGLE_COMMAND,
      isError: false,
    };
  }
  const latency =
    state.lastLatencyMs === undefined ? '' : ` · ${formatLatency(state.lastLatencyMs)}`;
  return {
    text: `$(sparkle) ${state.model}${latency}`,
    tooltip: ['fillin: suggestions are on', ...details, 'Click to turn them off'].join('\n'),
    command: TOGGLE_COMMAND,
    isError: false,
  };
}

/**
 * The backend failure after the server's `fillin/status` notification with `params`.
 *
 * `{"state": "error", "message": ..., "backend": ...}` sets it, `{"state": "ok"}` clears it;
 * anything else leaves `current` as it was, since a malformed notification says nothing about
 * the backend. Control characters are dropped and the message is shortened, so a status bar
 * tooltip never carries more than a readable paragraph.
 */
export function backendFailureAfter(
  current: BackendFailure | undefined,
  params: unknown,
): BackendFailure | undefined {
  if (typeof params !== 'object' || params === null) {
    return current;
  }
  const { state, message, backend } = params as Record<string, unknown>;
  if (state === 'ok') {
    return undefined;
  }
  if (state !== 'error' || typeof message !== 'string' || message.trim() === '') {
    return current;
  }
  return {
    message: clean(message, MAX_MESSAGE_CHARS),
    backend: typeof backend === 'string' ? clean(backend, 40) : '',
  };
}

function clean(text: string, maxChars: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

/** `indexing 42%` or `indexing: 120/300 files`, lower-cased title first. */
export function formatProgress(progress: ProgressState): string {
  const title = progress.title.trim() === '' ? 'working' : lowerFirst(progress.title.trim());
  if (progress.percentage !== undefined && Number.isFinite(progress.percentage)) {
    const percentage = Math.max(0, Math.min(100, Math.round(progress.percentage)));
    return `${title} ${percentage}%`;
  }
  if (progress.message !== undefined && progress.message.trim() !== '') {
    return `${title}: ${progress.message.trim()}`;
  }
  return title;
}

/** `85 ms` below a second, `1.2 s` above. */
export function formatLatency(ms: number): string {
  if (ms < 1000) {
    return `${Math.max(0, Math.round(ms))} ms`;
  }
  return `${(ms / 1000).toFixed(1)} s`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
