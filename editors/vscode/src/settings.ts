/**
 * Which `fillin.*` settings go to the server, and in what shape.
 *
 * package.json contributes every server setting under `fillin.` with the server's own dotted
 * camelCase key (`fillin.model.maxTokens` is the server's `model.maxTokens`), plus a few that
 * only the extension reads (`fillin.server.*`, `fillin.suggest.*`, `fillin.languages`,
 * `fillin.trace.server`).
 * Only the settings the user set explicitly are forwarded: the server keeps its own defaults
 * and the workspace's `fillin.toml` for everything else, so a default contributed here never
 * hides a value from the repository's configuration. This module never imports `vscode`.
 */

/** Settings under these prefixes configure the extension, not the server. */
export const EXTENSION_ONLY_PREFIXES: readonly string[] = [
  'fillin.server.',
  'fillin.trace.',
  'fillin.suggest.',
  'fillin.languages',
];

/** A nested settings object, as the server reads it (`{"model": {"maxTokens": 64}}`). */
export type SettingsTree = { [key: string]: unknown };

/** The server keys (without `fillin.`) among the properties package.json contributes. */
export function serverSettingKeys(
  contributedProperties: Readonly<Record<string, unknown>>,
): string[] {
  return Object.keys(contributedProperties)
    .filter((key) => key.startsWith('fillin.'))
    .filter((key) => !EXTENSION_ONLY_PREFIXES.some((prefix) => key.startsWith(prefix)))
    .map((key) => key.slice('fillin.'.length))
    .sort();
}

/**
 * The settings to send: each key that `explicitValue` knows, nested by its dots.
 *
 * `explicitValue` returns undefined for a key the user left at its default.
 */
export function serverSettings(
  keys: readonly string[],
  explicitValue: (key: string) => unknown,
): SettingsTree {
  const tree: SettingsTree = {};
  for (const key of keys) {
    const value = explicitValue(key);
    if (value === undefined || value === null) {
      continue;
    }
    const path = key.split('.');
    let node = tree;
    for (const part of path.slice(0, -1)) {
      const child = node[part];
      if (typeof child !== 'object' || child === null || Array.isArray(child)) {
        node[part] = {};
      }
      node = node[part] as SettingsTree;
    }
    node[path[path.length - 1]] = value;
  }
  return tree;
}

/** The values that VS Code's `WorkspaceConfiguration.inspect` reports for one key. */
export interface InspectedValue<T = unknown> {
  readonly defaultValue?: T;
  readonly globalValue?: T;
  readonly workspaceValue?: T;
  readonly workspaceFolderValue?: T;
}

/**
 * The value the user set for a key (folder over workspace over user), or undefined.
 *
 * With `userOnly` (a restricted setting in an untrusted workspace) only the user's own value
 * counts, else the default, which is then sent too: the server ranks the editor's settings
 * above the repository's `fillin.toml`, so neither the workspace's settings nor its files can
 * redirect the model server, the API key variable, the model file or the index directory.
 */
export function explicitValueOf(
  inspected: InspectedValue | undefined,
  options: { readonly userOnly?: boolean } = {},
): unknown {
  if (inspected === undefined) {
    return undefined;
  }
  if (options.userOnly === true) {
    return inspected.globalValue ?? inspected.defaultValue;
  }
  return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue;
}

/** A short name for the model the settings select, for the status bar. */
export function modelLabel(settings: SettingsTree): string {
  const model = (settings.model ?? {}) as { backend?: unknown; name?: unknown; path?: unknown };
  if (typeof model.name === 'string' && model.name !== '') {
    return model.name;
  }
  if (typeof model.path === 'string' && model.path !== '') {
    return model.path.split(/[\\/]/).pop() ?? model.path;
  }
  if (typeof model.backend === 'string' && model.backend !== '') {
    return model.backend;
  }
  return 'default model';
}
