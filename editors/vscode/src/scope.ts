/**
 * Which settings scope a toggle writes to, and what it writes there.
 *
 * A toggle that always wrote the user settings would do nothing when the workspace sets the
 * same key, since the workspace value wins. So a toggle writes to the most specific scope that
 * already sets the key (workspace folder, then workspace, then user), and to the user settings
 * when none does. For an object setting such as `fillin.suggest.enable` it edits that scope's
 * own object, so values from the other scopes are not copied into it. This module never
 * imports `vscode`.
 */

import type { InspectedValue } from './settings';

/** A settings scope, from the most to the least specific. */
export type Scope = 'workspaceFolder' | 'workspace' | 'global';

/** The most specific scope that sets the key, or `global`. */
export function scopeThatSets(inspected: InspectedValue | undefined): Scope {
  if (inspected?.workspaceFolderValue !== undefined) {
    return 'workspaceFolder';
  }
  if (inspected?.workspaceValue !== undefined) {
    return 'workspace';
  }
  return 'global';
}

/** The value `scope` holds for the key. */
export function valueIn<T>(inspected: InspectedValue<T> | undefined, scope: Scope): T | undefined {
  if (scope === 'workspaceFolder') {
    return inspected?.workspaceFolderValue;
  }
  return scope === 'workspace' ? inspected?.workspaceValue : inspected?.globalValue;
}

/** A boolean toggle: where to write and the new value, from the effective one. */
export function toggledBoolean(
  inspected: InspectedValue<boolean> | undefined,
  effective: boolean,
): { scope: Scope; value: boolean } {
  return { scope: scopeThatSets(inspected), value: !effective };
}

/**
 * A per-language toggle of `fillin.suggest.enable`: where to write, and that scope's object
 * with `languageId` set to the opposite of `effectiveOn`.
 */
export function toggledLanguage(
  inspected: InspectedValue<Record<string, unknown>> | undefined,
  languageId: string,
  effectiveOn: boolean,
): { scope: Scope; value: Record<string, unknown> } {
  const scope = scopeThatSets(inspected);
  const own = valueIn(inspected, scope);
  const base = typeof own === 'object' && own !== null && !Array.isArray(own) ? own : {};
  return { scope, value: { ...base, [languageId]: !effectiveOn } };
}
