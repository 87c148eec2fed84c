/**
 * When the inline provider answers: the trigger mode, the debounce and the per-language switch.
 *
 * In `automatic` mode a request made while typing waits `debounceMs` and is dropped when
 * VS Code cancels it in the meantime (it cancels the previous request on every keystroke), so
 * only a pause in typing reaches the server. In `manual` mode only an explicit request (the
 * **fillin: Trigger Suggestion** command, which VS Code reports as an `Invoke` trigger) is
 * answered, and it never waits. `fillin.suggest.enable` switches languages off and on; it is
 * read on every request, so a change applies at once. This module never imports `vscode`.
 */

/** `fillin.suggest.trigger`. */
export type TriggerMode = 'automatic' | 'manual';

/** The `fillin.suggest.*` settings that decide whether and when to answer. */
export interface TriggerSettings {
  readonly mode: TriggerMode;
  readonly debounceMs: number;
  /** `fillin.suggest.enable`: language id to on/off, `*` for the others. */
  readonly languages: Readonly<Record<string, unknown>>;
}

/** How VS Code asked: `explicit` for `Invoke`, `typing` for `Automatic`. */
export type TriggerKind = 'explicit' | 'typing';

/** Don't answer, or answer after waiting `delayMs`. */
export type TriggerDecision =
  | { readonly answer: false; readonly reason: 'language off' | 'manual mode' }
  | { readonly answer: true; readonly delayMs: number };

const MAX_DEBOUNCE_MS = 2000;

/** Whether and when to answer a request of `kind` in a document of `languageId`. */
export function decideTrigger(
  settings: TriggerSettings,
  kind: TriggerKind,
  languageId: string,
): TriggerDecision {
  if (!isLanguageEnabled(settings.languages, languageId)) {
    return { answer: false, reason: 'language off' };
  }
  if (kind === 'explicit') {
    return { answer: true, delayMs: 0 };
  }
  if (settings.mode === 'manual') {
    return { answer: false, reason: 'manual mode' };
  }
  const delay = Number.isFinite(settings.debounceMs) ? settings.debounceMs : 0;
  return { answer: true, delayMs: Math.max(0, Math.min(MAX_DEBOUNCE_MS, Math.round(delay))) };
}

/** Whether `fillin.suggest.enable` lets `languageId` have suggestions (default: yes). */
export function isLanguageEnabled(
  languages: Readonly<Record<string, unknown>>,
  languageId: string,
): boolean {
  const own = languages[languageId];
  if (typeof own === 'boolean') {
    return own;
  }
  const other = languages['*'];
  return typeof other === 'boolean' ? other : true;
}

/** What VS Code's cancellation token offers. */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/**
 * Waits `delayMs`; resolves true when the wait ran out, false as soon as `token` is cancelled.
 *
 * `setTimer` is `setTimeout` in the extension and a controllable clock in tests.
 */
export function waitUnlessCancelled(
  delayMs: number,
  token: Cancellation,
  setTimer: (run: () => void, ms: number) => { cancel(): void } = realTimer,
): Promise<boolean> {
  if (token.isCancellationRequested) {
    return Promise.resolve(false);
  }
  if (delayMs <= 0) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimer(() => {
      listener.dispose();
      resolve(!token.isCancellationRequested);
    }, delayMs);
    const listener = token.onCancellationRequested(() => {
      timer.cancel();
      listener.dispose();
      resolve(false);
    });
  });
}

/**
 * Whether the provider should ask the server now: `decideTrigger`, then the debounce wait.
 *
 * The extension's inline provider calls this first and returns nothing when it is false.
 */
export async function shouldAnswer(
  settings: TriggerSettings,
  kind: TriggerKind,
  languageId: string,
  token: Cancellation,
  setTimer?: (run: () => void, ms: number) => { cancel(): void },
): Promise<boolean> {
  const decision = decideTrigger(settings, kind, languageId);
  return decision.answer && (await waitUnlessCancelled(decision.delayMs, token, setTimer));
}

function realTimer(run: () => void, ms: number): { cancel(): void } {
  const handle = setTimeout(run, ms);
  return { cancel: () => clearTimeout(handle) };
}
