/**
 * The life of each suggestion the user sees, reported to the server for local statistics.
 *
 * The server gives every inline completion item an id, carried in the item's command
 * (`fillin.didAccept` with `[{"id": ...}]`; see editors/README.md). `SuggestionTracker` turns
 * what the editor does with the items into three notifications:
 *
 * - `fillin/didShowCompletion {id}` when an item is put on screen;
 * - `fillin/didAcceptCompletion {id, acceptedLength}` when all of it is accepted, or a part
 *   (accept word, accept line); `acceptedLength` counts the Unicode code points accepted so
 *   far, so repeated partial accepts report a growing length. An item this tracker never saw
 *   (a `textDocument/completion` item accepted from the suggest widget) is reported without
 *   `acceptedLength`, which the server reads as "all of it";
 * - `fillin/didDismissCompletion {id}` when a shown item goes away without any of it being
 *   accepted: another item replaces it, or the user types something it did not predict.
 *
 * Every shown item ends in exactly one of accept (possibly repeated with a growing length)
 * or dismiss. Typing the suggestion's own next characters keeps it alive, since VS Code keeps
 * showing the rest. This module never imports `vscode`.
 */

export const DID_SHOW = 'fillin/didShowCompletion';
export const DID_ACCEPT = 'fillin/didAcceptCompletion';
export const DID_DISMISS = 'fillin/didDismissCompletion';

/** The command the server puts on each item; VS Code runs it when the item is accepted. */
export const ACCEPT_COMMAND = 'fillin.didAccept';

/** One notification for the server. */
export type SuggestionNotification =
  | { readonly method: typeof DID_SHOW; readonly params: { readonly id: string } }
  | {
      readonly method: typeof DID_ACCEPT;
      readonly params: { readonly id: string; readonly acceptedLength?: number };
    }
  | { readonly method: typeof DID_DISMISS; readonly params: { readonly id: string } };

/** A place in a document: its URI and a zero-based line and UTF-16 character. */
export interface Place {
  readonly uri: string;
  readonly line: number;
  readonly character: number;
}

/** An item on screen: its id, the text it inserts and where its range starts. */
export interface ShownSuggestion {
  readonly id: string;
  readonly text: string;
  readonly start: Place;
}

/** A command as VS Code and LSP both spell it. */
export interface CommandLike {
  readonly command: string;
  readonly arguments?: readonly unknown[];
}

/** The id in an item's `fillin.didAccept` command, or undefined for any other item. */
export function suggestionId(command: CommandLike | undefined): string | undefined {
  if (command === undefined || command.command !== ACCEPT_COMMAND) {
    return undefined;
  }
  const [first] = command.arguments ?? [];
  if (typeof first !== 'object' || first === null) {
    return undefined;
  }
  const id = (first as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The length of `text` in Unicode code points, the unit of `acceptedLength`. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) {
    n += 1;
  }
  return n;
}

/**
 * Whether `shown` is still on offer after the user typed `typedSinceStart`.
 *
 * `typedSinceStart` is the document's text from the item's start to the cursor of a new
 * request at `at`, or undefined when the cursor is before the start or in another document.
 */
export function isStillOffered(
  shown: ShownSuggestion,
  at: Place,
  typedSinceStart: string | undefined,
): boolean {
  if (at.uri !== shown.start.uri || typedSinceStart === undefined) {
    return false;
  }
  return typedSinceStart.length < shown.text.length && shown.text.startsWith(typedSinceStart);
}

interface Current {
  readonly suggestion: ShownSuggestion;
  acceptedLength: number;
}

/** Tracks the item on screen and sends the show/accept/dismiss notifications for it. */
export class SuggestionTracker {
  private current: Current | undefined;
  private readonly recentLengths = new Map<string, number>();

  constructor(
    private readonly send: (notification: SuggestionNotification) => void,
    private readonly maxRecent = 64,
  ) {}

  /** The item on screen, if any. */
  get shown(): ShownSuggestion | undefined {
    return this.current?.suggestion;
  }

  /** An item was put on screen; the one it replaces is dismissed unless it was accepted. */
  show(suggestion: ShownSuggestion): void {
    if (this.current?.suggestion.id === suggestion.id) {
      return;
    }
    this.end();
    this.current = { suggestion, acceptedLength: 0 };
    this.remember(suggestion.id, codePointLength(suggestion.text));
    this.send({ method: DID_SHOW, params: { id: suggestion.id } });
  }

  /** A new request starts at `at`: the item on screen is dismissed unless still on offer. */
  requested(at: Place, typedSinceStart: string | undefined): void {
    if (
      this.current !== undefined &&
      !isStillOffered(this.current.suggestion, at, typedSinceStart)
    ) {
      this.end();
    }
  }

  /** All of item `id` was accepted (its `fillin.didAccept` command ran). */
  accept(id: string): void {
    const length = this.recentLengths.get(id);
    this.send({
      method: DID_ACCEPT,
      params: length === undefined ? { id } : { id, acceptedLength: length },
    });
    if (this.current?.suggestion.id === id) {
      this.current = undefined;
    }
  }

  /** Part of the item on screen was accepted: `insertedText` went into the document. */
  acceptPart(insertedText: string): void {
    const current = this.current;
    if (current === undefined || insertedText === '') {
      return;
    }
    const full = codePointLength(current.suggestion.text);
    current.acceptedLength = Math.min(full, current.acceptedLength + codePointLength(insertedText));
    this.send({
      method: DID_ACCEPT,
      params: { id: current.suggestion.id, acceptedLength: current.acceptedLength },
    });
    if (current.acceptedLength >= full) {
      this.current = undefined;
    }
  }

  /** The item on screen went away: dismissed unless part of it was accepted. */
  end(): void {
    const current = this.current;
    this.current = undefined;
    if (current !== undefined && current.acceptedLength === 0) {
      this.send({ method: DID_DISMISS, params: { id: current.suggestion.id } });
    }
  }

  /** Forget everything without notifying (the server restarted; its ids are gone). */
  reset(): void {
    this.current = undefined;
    this.recentLengths.clear();
  }

  private remember(id: string, length: number): void {
    this.recentLengths.set(id, length);
    while (this.recentLengths.size > this.maxRecent) {
      const oldest = this.recentLengths.keys().next().value as string;
      this.recentLengths.delete(oldest);
    }
  }
}
