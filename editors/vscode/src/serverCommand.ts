/**
 * How the extension starts fillin: the command line for `fillin serve` (and `fillin stats`).
 *
 * `fillin.server.command` is the program and its leading arguments without the subcommand
 * (for example `["fillin"]` or `["uv", "run", "fillin"]`); when it is empty,
 * `fillin.server.pythonPath` runs `python -P -m lsp_server`; with neither, `fillin` is looked up on
 * PATH. This module never imports `vscode`, so node's test runner exercises it directly.
 */

/** The extension's own settings that say how to start the server. */
export interface ServerCommandSettings {
  readonly command: readonly string[];
  readonly pythonPath: string;
}

/** A program and its arguments, ready for `child_process.spawn`. */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
}

/** Where `~` and `${workspaceFolder}` point when a setting uses them. */
export interface Expansions {
  readonly home: string;
  readonly workspaceFolder: string | undefined;
}

/** A server setting that cannot be used, with the key to fix. */
export class ServerCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerCommandError';
  }
}

/**
 * The command line that runs `fillin <subcommand>`.
 *
 * Throws `ServerCommandError` naming the setting when `fillin.server.command` is not a list of
 * non-empty strings.
 */
export function resolveServerCommand(
  settings: ServerCommandSettings,
  subcommand: string,
  expansions: Expansions,
): CommandLine {
  const { command, pythonPath } = settings;
  if (!Array.isArray(command) || command.some((part) => typeof part !== 'string' || part === '')) {
    throw new ServerCommandError(
      'fillin.server.command: must be a list of non-empty strings such as ["fillin"]',
    );
  }
  let argv: string[];
  if (command.length > 0) {
    argv = [...command, subcommand];
  } else if (typeof pythonPath === 'string' && pythonPath.trim() !== '') {
    // -P keeps the working directory (a repository) off sys.path, so its modules never run.
    argv = [pythonPath.trim(), '-P', '-m', 'lsp_server', subcommand];
  } else {
    argv = ['fillin', subcommand];
  }
  const [program, ...args] = argv.map((part) => expand(part, expansions));
  return { command: program, args };
}

/**
 * `fillin doctor`'s model options for the settings the extension sends to the server, so the
 * doctor checks the model that VS Code's settings select, not only the repository's.
 */
export function modelOverrideArgs(settings: { readonly [key: string]: unknown }): string[] {
  const model = settings.model;
  if (typeof model !== 'object' || model === null) {
    return [];
  }
  const options: [string, string][] = [
    ['backend', '--backend'],
    ['url', '--url'],
    ['name', '--model'],
    ['template', '--template'],
  ];
  return options.flatMap(([key, flag]) => {
    const value = (model as Record<string, unknown>)[key];
    return typeof value === 'string' && value !== '' ? [flag, value] : [];
  });
}

/** A command line as one shell-like string, for log lines and error messages. */
export function formatCommandLine(line: CommandLine): string {
  return [line.command, ...line.args]
    .map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

function expand(part: string, expansions: Expansions): string {
  let expanded = part;
  if (expanded === '~' || expanded.startsWith('~/')) {
    expanded = expansions.home + expanded.slice(1);
  }
  if (expansions.workspaceFolder !== undefined) {
    expanded = expanded.split('${workspaceFolder}').join(expansions.workspaceFolder);
  }
  return expanded;
}
