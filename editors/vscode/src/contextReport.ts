/**
 * The `fillin/context` result as a Markdown document: the prompt fillin would send for the
 * cursor, and the repository context it was assembled from.
 *
 * The server answers `{prompt, sections: [{source, path, startLine, endLine, tokens, text}],
 * tokensUsed, budgetTokens, elapsedMs}` (lines 1-based). Any other shape is shown as JSON
 * rather than hidden, so a newer server never leaves the user with an empty page. This module
 * never imports `vscode`.
 */

/** One piece of repository context in the prompt. */
export interface ContextSection {
  readonly source: string;
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly tokens: number;
  readonly text: string;
}

/** The result of `fillin/context`. */
export interface ContextResult {
  readonly prompt: string;
  readonly sections: readonly ContextSection[];
  readonly tokensUsed: number;
  readonly budgetTokens: number;
  readonly elapsedMs: number;
}

/** Where the context was asked for: a file and a 1-based line and column. */
export interface CursorLabel {
  readonly path: string;
  readonly line: number;
  readonly column: number;
}

/** Whether `value` has the shape of a `fillin/context` result. */
export function isContextResult(value: unknown): value is ContextResult {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const result = value as Partial<Record<keyof ContextResult, unknown>>;
  return (
    typeof result.prompt === 'string' &&
    Array.isArray(result.sections) &&
    typeof result.tokensUsed === 'number' &&
    typeof result.budgetTokens === 'number'
  );
}

/** The Markdown page for a `fillin/context` result at `cursor`. */
export function formatContextReport(result: unknown, cursor: CursorLabel): string {
  const title = `# fillin context for ${cursor.path}:${cursor.line}:${cursor.column}`;
  if (!isContextResult(result)) {
    return [title, '', fenced(JSON.stringify(result, null, 2), 'json'), ''].join('\n');
  }
  const lines = [
    title,
    '',
    `${result.tokensUsed} of ${result.budgetTokens} prompt tokens, assembled in ` +
      `${Number(result.elapsedMs).toFixed(1)} ms.`,
    '',
    `## Repository context (${result.sections.length})`,
    '',
  ];
  if (result.sections.length === 0) {
    lines.push('None: the prompt holds only the code around the cursor.', '');
  }
  for (const section of result.sections) {
    lines.push(
      `### ${section.source}: ${section.path}:${section.startLine}-${section.endLine} ` +
        `(${section.tokens} tokens)`,
      '',
      fenced(section.text),
      '',
    );
  }
  lines.push('## Prompt', '', fenced(result.prompt), '');
  return lines.join('\n');
}

/** `text` in a Markdown code fence longer than any backtick run inside it. */
export function fenced(text: string, language = ''): string {
  const longestRun = Math.max(2, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(longestRun + 1);
  return `${fence}${language}\n${text}${text.endsWith('\n') ? '' : '\n'}${fence}`;
}
