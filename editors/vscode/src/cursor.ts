/**
 * `fillin/didChangeCursor`: tells the server where the cursor rests, so that it can evaluate
 * that position's prompt into the model server's cache before the first suggestion is asked
 * for (LSP itself never says where the cursor is).
 *
 * The report goes out once the cursor has rested `debounceMs` after a move, after an editor
 * gains focus or a file is opened. A move caused by typing is not reported: the inline
 * request that typing makes already tells the server. Whether the document may be warmed
 * (suggestions on for its language, automatic trigger, `fillin.completion.enabled`) is asked
 * when the report is about to go out, not when it was scheduled, so a document turned off
 * in the meantime sends nothing. The same place is not reported twice in a row. This module
 * never imports `vscode`.
 */

export const DID_CHANGE_CURSOR = 'fillin/didChangeCursor';

/** What the client declares in `capabilities.experimental` so the server leaves warm-ups on
 * open to it. */
export const CURSOR_CAPABILITY = { fillin: { didChangeCursor: true } } as const;

/** How long the cursor must rest before it is reported. */
export const CURSOR_DEBOUNCE_MS = 150;

/** Where the cursor is: a document's URI, its version, and an LSP position in it. */
export interface CursorPlace {
  readonly uri: string;
  readonly version: number;
  readonly line: number;
  readonly character: number;
}

/** The params of `fillin/didChangeCursor`. */
export interface CursorParams {
  readonly textDocument: { readonly uri: string; readonly version: number };
  readonly position: { readonly line: number; readonly character: number };
}

/** A scheduled callback that can be cancelled. */
export interface Timer {
  cancel(): void;
}

/** What the reporter needs from its surroundings: a clock, the privacy check and the wire. */
export interface CursorHost {
  setTimer(run: () => void, ms: number): Timer;
  now(): number;
  /** Whether the document at `uri` may be warmed now (read when the report goes out). */
  isWanted(uri: string): boolean;
  send(params: CursorParams): void;
}

/** The params of the report of `place`. */
export function cursorParams(place: CursorPlace): CursorParams {
  return {
    textDocument: { uri: place.uri, version: place.version },
    position: { line: place.line, character: place.character },
  };
}

/** Reports the resting cursor of the active editor, debounced. */
export class CursorReporter {
  private pending: Timer | undefined;
  private lastSent: string | undefined;
  private readonly typedAt = new Map<string, number>();

  constructor(
    private readonly host: CursorHost,
    private readonly debounceMs: number = CURSOR_DEBOUNCE_MS,
  ) {}

  /** The cursor moved; report it once it rests, unless typing moved it. */
  moved(place: CursorPlace): void {
    const typed = this.typedAt.get(place.uri);
    if (typed !== undefined && this.host.now() - typed < this.debounceMs) {
      this.cancel();
      return;
    }
    this.schedule(place);
  }

  /** An editor gained focus, or a file was opened in one: report where its cursor is. */
  focused(place: CursorPlace): void {
    // Focusing again after a while is worth a report even at the same place: the server's
    // cache may hold other prompts by now.
    this.lastSent = undefined;
    this.schedule(place);
  }

  /** The document at `uri` changed (typing): the next moves are the typing's own. */
  typed(uri: string): void {
    this.typedAt.set(uri, this.host.now());
    this.cancel();
  }

  /** The document at `uri` was closed. */
  closed(uri: string): void {
    this.typedAt.delete(uri);
  }

  /** Cancel the report that waits for the cursor to rest. */
  cancel(): void {
    this.pending?.cancel();
    this.pending = undefined;
  }

  private schedule(place: CursorPlace): void {
    this.cancel();
    this.pending = this.host.setTimer(() => {
      this.pending = undefined;
      const key = JSON.stringify(place);
      if (key === this.lastSent || !this.host.isWanted(place.uri)) {
        return;
      }
      this.lastSent = key;
      this.host.send(cursorParams(place));
    }, this.debounceMs);
  }
}
