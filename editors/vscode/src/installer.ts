/**
 * Finds the fillin server to start, or installs one into a private environment.
 *
 * The order is: the user's `fillin.server.command` or `fillin.server.pythonPath`; the private
 * environment in the extension's global storage, when an earlier run installed the same
 * server there; `fillin` on PATH; otherwise a new private environment (`python -m venv`) into
 * which pip installs the wheel bundled in the .vsix (`server/fillin-<version>-py3-none-any.whl`)
 * or, when none is bundled, `fillin==<version>` from the package index. The environment counts
 * as installed only once its marker file is written after a successful install and import
 * check, so an interrupted install is redone from scratch on the next start.
 *
 * Every process and file access goes through `InstallerHost`, so node tests can drive the
 * decisions with a scripted host and the real install with `nodeHost()`. This module never
 * imports `vscode`.
 */

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import type { ServerCommandSettings } from './serverCommand';

/** The outcome of one finished process. */
export interface RunResult {
  /** The exit status; null when the process could not start or was killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything the installer does to the machine. */
export interface InstallerHost {
  run(command: string, args: readonly string[], timeoutMs: number): Promise<RunResult>;
  exists(file: string): boolean;
  readText(file: string): string | undefined;
  writeText(file: string, text: string): void;
  listDir(dir: string): string[];
  /** The directories of PATH, in order. */
  readonly pathDirs: readonly string[];
  readonly platform: NodeJS.Platform;
}

/** Where the extension is and what it ships. */
export interface InstallLayout {
  /** The extension's global storage directory; the environment goes below it. */
  readonly storageDir: string;
  /** The extension's own directory, which may hold `server/*.whl`. */
  readonly extensionDir: string;
  /** The extension's version, which is also the server version it asks the index for. */
  readonly version: string;
}

/** What the extension must do to have a server. */
export type ServerPlan =
  | {
      readonly kind: 'configured' | 'private' | 'path';
      readonly settings: ServerCommandSettings;
    }
  | {
      readonly kind: 'install';
      readonly envDir: string;
      /** What pip installs: a wheel's path or `fillin==<version>`. */
      readonly requirement: string;
      /** Where it comes from, for the progress and the log. */
      readonly origin: 'bundled wheel' | 'package index';
    };

/** An install step that failed, with what to do about it. */
export class InstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstallError';
  }
}

/** The server version installed in the private environment, as its marker file records it. */
interface Marker {
  readonly requirement: string;
}

export const ENV_DIR_NAME = 'server-env';
const MARKER_NAME = 'fillin-install.json';
const MINIMUM_PYTHON: readonly [number, number] = [3, 11];
const VENV_TIMEOUT_MS = 120_000;
const PIP_TIMEOUT_MS = 600_000;
const CHECK_TIMEOUT_MS = 60_000;

/** The directory of the private environment under `storageDir`. */
export function privateEnvDir(layout: InstallLayout): string {
  return path.join(layout.storageDir, ENV_DIR_NAME);
}

/** The `fillin` program of the environment at `envDir`. */
export function envProgram(envDir: string, platform: NodeJS.Platform, name: string): string {
  return platform === 'win32'
    ? path.join(envDir, 'Scripts', `${name}.exe`)
    : path.join(envDir, 'bin', name);
}

/** The wheel bundled in the .vsix, preferring the one of the extension's version. */
export function bundledWheel(layout: InstallLayout, host: InstallerHost): string | undefined {
  const dir = path.join(layout.extensionDir, 'server');
  const wheels = host
    .listDir(dir)
    .filter((name) => /^fillin-[^-]+-py3-none-any\.whl$/.test(name))
    .sort();
  const own = `fillin-${layout.version}-py3-none-any.whl`;
  const chosen = wheels.includes(own) ? own : wheels[wheels.length - 1];
  return chosen === undefined ? undefined : path.join(dir, chosen);
}

/** What pip should install into the private environment. */
export function wantedRequirement(layout: InstallLayout, host: InstallerHost): string {
  return bundledWheel(layout, host) ?? `fillin==${layout.version}`;
}

/** Decides which server to start, or that one must be installed first. */
export function planServer(
  settings: ServerCommandSettings,
  layout: InstallLayout,
  host: InstallerHost,
): ServerPlan {
  const hasCommand = Array.isArray(settings.command) && settings.command.length > 0;
  const hasPython = typeof settings.pythonPath === 'string' && settings.pythonPath.trim() !== '';
  if (hasCommand || hasPython) {
    return { kind: 'configured', settings };
  }
  const envDir = privateEnvDir(layout);
  const program = envProgram(envDir, host.platform, 'fillin');
  const requirement = wantedRequirement(layout, host);
  if (host.exists(program) && readMarker(envDir, host)?.requirement === markerKey(requirement)) {
    return { kind: 'private', settings: { command: [program], pythonPath: '' } };
  }
  const onPath = findOnPath('fillin', host);
  if (onPath !== undefined) {
    return { kind: 'path', settings: { command: [onPath], pythonPath: '' } };
  }
  return {
    kind: 'install',
    envDir,
    requirement,
    origin: requirement.endsWith('.whl') ? 'bundled wheel' : 'package index',
  };
}

/**
 * Creates the private environment and installs the server into it; returns how to start it.
 *
 * `report` receives a short message for each step. Throws `InstallError` naming the step, the
 * command and pip's last lines, with the fix.
 */
export async function installServer(
  plan: Extract<ServerPlan, { kind: 'install' }>,
  host: InstallerHost,
  report: (message: string) => void,
): Promise<ServerCommandSettings> {
  report('looking for Python 3.11 or newer');
  const python = await findPython(host);
  report(`creating a Python environment with ${python.join(' ')}`);
  await step(
    host,
    'create the environment',
    python[0],
    [...python.slice(1), '-m', 'venv', '--clear', plan.envDir],
    VENV_TIMEOUT_MS,
  );
  const envPython = envProgram(plan.envDir, host.platform, 'python');
  report(`installing the fillin server from the ${plan.origin}`);
  await step(
    host,
    'install the server',
    envPython,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', plan.requirement],
    PIP_TIMEOUT_MS,
  );
  report('checking the installed server');
  await step(
    host,
    'check the server',
    envPython,
    // -I keeps the working directory off sys.path, so only the installed server can answer.
    ['-I', '-c', 'import lsp_server.server, context.pipeline'],
    CHECK_TIMEOUT_MS,
  );
  const program = envProgram(plan.envDir, host.platform, 'fillin');
  if (!host.exists(program)) {
    throw new InstallError(
      `the server installed but ${program} is missing; delete ${plan.envDir} and restart, or set fillin.server.pythonPath`,
    );
  }
  const marker: Marker = { requirement: markerKey(plan.requirement) };
  host.writeText(path.join(plan.envDir, MARKER_NAME), JSON.stringify(marker) + '\n');
  return { command: [program], pythonPath: '' };
}

/** The first Python on PATH that is new enough, as a command line prefix. */
export async function findPython(host: InstallerHost): Promise<string[]> {
  const candidates =
    host.platform === 'win32' ? [['py', '-3'], ['python']] : [['python3'], ['python']];
  const tried: string[] = [];
  for (const candidate of candidates) {
    const program = findOnPath(candidate[0], host);
    if (program === undefined) {
      continue;
    }
    const result = await host.run(
      program,
      [...candidate.slice(1), '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
      CHECK_TIMEOUT_MS,
    );
    const version = result.stdout.trim();
    tried.push(`${program} (${result.code === 0 ? version : 'does not run'})`);
    const [major, minor] = version.split('.').map(Number);
    if (
      result.code === 0 &&
      (major > MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor >= MINIMUM_PYTHON[1]))
    ) {
      return [program, ...candidate.slice(1)];
    }
  }
  const found = tried.length > 0 ? `found ${tried.join(', ')}` : 'found none on PATH';
  throw new InstallError(
    `the fillin server needs Python 3.11 or newer and ${found}; install Python 3.11+ or set fillin.server.pythonPath`,
  );
}

/** The full path of `name` in the first PATH directory that has it. */
export function findOnPath(name: string, host: InstallerHost): string | undefined {
  const suffixes = host.platform === 'win32' ? ['.exe', '.cmd', '.bat'] : [''];
  for (const dir of host.pathDirs) {
    for (const suffix of suffixes) {
      const candidate = path.join(dir, name + suffix);
      if (dir !== '' && host.exists(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** The real host: processes without a shell, files on disk. */
export function nodeHost(env: NodeJS.ProcessEnv = process.env): InstallerHost {
  return {
    run: (command, args, timeoutMs) =>
      new Promise((resolve) => {
        execFile(
          command,
          [...args],
          { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env, windowsHide: true },
          (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
            resolve({ code, stdout, stderr: stderr || (error?.message ?? '') });
          },
        );
      }),
    exists: (file) => existsSync(file),
    readText: (file) => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    },
    writeText: (file, text) => {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    },
    listDir: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
    pathDirs: (env.PATH ?? '').split(path.delimiter),
    platform: process.platform,
  };
}

async function step(
  host: InstallerHost,
  what: string,
  command: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const result = await host.run(command, args, timeoutMs);
  if (result.code === 0) {
    return;
  }
  const tail = (result.stderr.trim() || result.stdout.trim())
    .split('\n')
    .slice(-3)
    .join(' ')
    .slice(0, 600);
  const status = result.code === null ? 'did not finish' : `exited with ${result.code}`;
  throw new InstallError(
    `cannot ${what}: ${path.basename(command)} ${args.join(' ')} ${status}${tail ? ` (${tail})` : ''}; check the network and Python's venv and pip, or set fillin.server.pythonPath to a Python that has fillin`,
  );
}

function readMarker(envDir: string, host: InstallerHost): Marker | undefined {
  const text = host.readText(path.join(envDir, MARKER_NAME));
  if (text === undefined) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Marker).requirement === 'string'
    ) {
      return value as Marker;
    }
  } catch {
    // A damaged marker means the environment is not known to be complete.
  }
  return undefined;
}

/** The marker records a wheel by its file name, so moving the extension keeps it valid. */
function markerKey(requirement: string): string {
  return requirement.endsWith('.whl') ? path.basename(requirement) : requirement;
}
