/**
 * The server installer: which server it picks, and a real install from a wheel.
 *
 * The decision tests use a scripted `InstallerHost` (files in a map, processes answered from a
 * table) because they are about the order of the choices, not about Python. The last test
 * creates a real virtual environment with the machine's Python, installs the fillin wheel that
 * `make dist` put in editors/vscode/server/ (or FILLIN_WHEEL) with pip, and starts the
 * installed `fillin serve` over LSP. Tests never touch the network, so pip runs with
 * PIP_NO_INDEX=1 and finds the server's dependencies in the project's .venv, which the test
 * links into the new environment with a .pth file (everything but fillin itself, so the code
 * that answers is the wheel's).
 */

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection } from 'vscode-languageserver-protocol/node';

import {
  envProgram,
  findPython,
  InstallError,
  type InstallerHost,
  installServer,
  nodeHost,
  planServer,
  privateEnvDir,
  type RunResult,
} from '../installer';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const EXTENSION_DIR = path.resolve(__dirname, '..', '..');
const VENV_PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const LAYOUT = { storageDir: '/storage', extensionDir: '/ext', version: '0.1.0' };
const NO_SETTINGS = { command: [], pythonPath: '' };
const ENV_FILLIN = '/storage/server-env/bin/fillin';
const ENV_PYTHON = '/storage/server-env/bin/python';

/** A host whose files live in a map and whose processes answer from `answers`. */
function scriptedHost(
  files: Record<string, string>,
  answers: (command: string, args: readonly string[]) => RunResult = () => ok(''),
): InstallerHost & { runs: string[]; files: Record<string, string> } {
  const runs: string[] = [];
  return {
    runs,
    files,
    run: async (command, args) => {
      runs.push([command, ...args].join(' '));
      const result = answers(command, args);
      if (result.code === 0 && args.includes('venv')) {
        files[ENV_PYTHON] = '';
        files[ENV_FILLIN] = '';
      }
      return result;
    },
    exists: (file) => file in files,
    readText: (file) => files[file],
    writeText: (file, text) => {
      files[file] = text;
    },
    listDir: (dir) =>
      Object.keys(files)
        .filter((file) => path.dirname(file) === dir)
        .map((file) => path.basename(file)),
    pathDirs: ['/usr/bin'],
    platform: 'linux',
  };
}

function ok(stdout: string): RunResult {
  return { code: 0, stdout, stderr: '' };
}

describe('planServer', () => {
  it('uses the configured command or Python before anything else', () => {
    const host = scriptedHost({ [ENV_FILLIN]: '', '/usr/bin/fillin': '' });
    const command = { command: ['uv', 'run', 'fillin'], pythonPath: '' };
    assert.deepEqual(planServer(command, LAYOUT, host), { kind: 'configured', settings: command });
    const python = { command: [], pythonPath: '/opt/py/bin/python' };
    assert.deepEqual(planServer(python, LAYOUT, host), { kind: 'configured', settings: python });
  });

  it('installs the bundled wheel when nothing is installed', () => {
    const host = scriptedHost({ '/ext/server/fillin-0.1.0-py3-none-any.whl': '' });
    assert.deepEqual(planServer(NO_SETTINGS, LAYOUT, host), {
      kind: 'install',
      envDir: '/storage/server-env',
      requirement: '/ext/server/fillin-0.1.0-py3-none-any.whl',
      origin: 'bundled wheel',
    });
  });

  it('asks the package index for its own version when no wheel is bundled', () => {
    const plan = planServer(NO_SETTINGS, LAYOUT, scriptedHost({}));
    assert.equal(plan.kind, 'install');
    assert.equal(plan.kind === 'install' && plan.requirement, 'fillin==0.1.0');
    assert.equal(plan.kind === 'install' && plan.origin, 'package index');
  });

  it('uses the private environment once its install finished, before fillin on PATH', () => {
    const host = scriptedHost({
      '/ext/server/fillin-0.1.0-py3-none-any.whl': '',
      [ENV_FILLIN]: '',
      '/storage/server-env/fillin-install.json': '{"requirement":"fillin-0.1.0-py3-none-any.whl"}',
      '/usr/bin/fillin': '',
    });
    assert.deepEqual(planServer(NO_SETTINGS, LAYOUT, host), {
      kind: 'private',
      settings: { command: [ENV_FILLIN], pythonPath: '' },
    });
  });

  it('reinstalls when the environment has no marker or another version', () => {
    const wheel = { '/ext/server/fillin-0.2.0-py3-none-any.whl': '', [ENV_FILLIN]: '' };
    const unfinished = scriptedHost({ ...wheel });
    assert.equal(planServer(NO_SETTINGS, LAYOUT, unfinished).kind, 'install');
    const older = scriptedHost({
      ...wheel,
      '/storage/server-env/fillin-install.json': '{"requirement":"fillin-0.1.0-py3-none-any.whl"}',
    });
    const plan = planServer(NO_SETTINGS, LAYOUT, older);
    assert.equal(
      plan.kind === 'install' && plan.requirement,
      '/ext/server/fillin-0.2.0-py3-none-any.whl',
    );
    const damaged = scriptedHost({ ...wheel, '/storage/server-env/fillin-install.json': '{' });
    assert.equal(planServer(NO_SETTINGS, LAYOUT, damaged).kind, 'install');
  });

  it('falls back to fillin on PATH when there is no private environment', () => {
    const host = scriptedHost({ '/usr/bin/fillin': '' });
    assert.deepEqual(planServer(NO_SETTINGS, LAYOUT, host), {
      kind: 'path',
      settings: { command: ['/usr/bin/fillin'], pythonPath: '' },
    });
  });
});

describe('installServer', () => {
  const plan = {
    kind: 'install' as const,
    envDir: '/storage/server-env',
    requirement: '/ext/server/fillin-0.1.0-py3-none-any.whl',
    origin: 'bundled wheel' as const,
  };

  it('creates the environment, installs, checks, then writes the marker', async () => {
    const host = scriptedHost({ '/usr/bin/python3': '' }, (_command, args) =>
      args.some((a) => a.includes('version_info')) ? ok('3.12\n') : ok(''),
    );
    const messages: string[] = [];
    const settings = await installServer(plan, host, (message) => messages.push(message));

    assert.deepEqual(settings, { command: [ENV_FILLIN], pythonPath: '' });
    assert.deepEqual(host.runs.slice(1), [
      '/usr/bin/python3 -m venv --clear /storage/server-env',
      `${ENV_PYTHON} -m pip install --disable-pip-version-check --no-input ${plan.requirement}`,
      `${ENV_PYTHON} -I -c import lsp_server.server, context.pipeline`,
    ]);
    assert.equal(messages.length, 4);
    assert.match(messages[2], /from the bundled wheel/);
    assert.equal(
      planServer(
        NO_SETTINGS,
        LAYOUT,
        scriptedHost({ ...host.files, '/ext/server/fillin-0.1.0-py3-none-any.whl': '' }),
      ).kind,
      'private',
    );
  });

  it('names the failed step and pip’s last line, and writes no marker', async () => {
    const host = scriptedHost({ '/usr/bin/python3': '' }, (_command, args) => {
      if (args.some((a) => a.includes('version_info'))) return ok('3.11\n');
      if (args.includes('pip')) {
        return {
          code: 1,
          stdout: '',
          stderr: 'Collecting pygls\nERROR: No matching distribution found for pygls',
        };
      }
      return ok('');
    });
    await assert.rejects(
      installServer(plan, host, () => undefined),
      (error: Error) => {
        assert.ok(error instanceof InstallError);
        assert.match(error.message, /^cannot install the server: python -m pip install/);
        assert.match(error.message, /No matching distribution found for pygls/);
        assert.match(error.message, /set fillin\.server\.pythonPath/);
        return true;
      },
    );
    assert.ok(!('/storage/server-env/fillin-install.json' in host.files));
  });

  it('refuses a Python older than 3.11 and says which it found', async () => {
    const host = scriptedHost({ '/usr/bin/python3': '', '/usr/bin/python': '' }, () => ok('3.8\n'));
    await assert.rejects(
      findPython(host),
      /needs Python 3\.11 or newer and found \/usr\/bin\/python3 \(3\.8\), \/usr\/bin\/python \(3\.8\)/,
    );
    await assert.rejects(
      findPython(scriptedHost({})),
      /found none on PATH; install Python 3\.11\+/,
    );
  });
});

/** The fillin wheel `make dist` bundles, or FILLIN_WHEEL. */
function findWheel(): string | undefined {
  if (process.env.FILLIN_WHEEL) {
    return process.env.FILLIN_WHEEL;
  }
  const dir = path.join(EXTENSION_DIR, 'server');
  const name = existsSync(dir)
    ? readdirSync(dir).find((file) => /^fillin-.*\.whl$/.test(file))
    : undefined;
  return name === undefined ? undefined : path.join(dir, name);
}

const wheel = findWheel();
const skipReal =
  wheel === undefined
    ? 'no fillin wheel in editors/vscode/server; run make dist or set FILLIN_WHEEL'
    : existsSync(VENV_PYTHON)
      ? false
      : `no ${VENV_PYTHON}; run make venv`;

describe('a real install', { skip: skipReal }, () => {
  it(
    'creates a venv, installs the wheel with pip and starts the installed server',
    { timeout: 240_000 },
    async () => {
      const work = mkdtempSync(path.join(os.tmpdir(), 'fillin-install-'));
      try {
        // The extension directory holds the wheel as a .vsix would; PATH holds only Python.
        const extensionDir = path.join(work, 'extension');
        mkdirSync(path.join(extensionDir, 'server'), { recursive: true });
        copyFileSync(wheel!, path.join(extensionDir, 'server', path.basename(wheel!)));
        const bin = path.join(work, 'bin');
        mkdirSync(bin);
        const basePython = execFileSync(
          VENV_PYTHON,
          ['-c', 'import sys; print(sys._base_executable)'],
          {
            encoding: 'utf8',
          },
        ).trim();
        symlinkSync(basePython, path.join(bin, 'python3'));
        const deps = dependencyFarm(work);

        const real = nodeHost({ ...process.env, PATH: bin, PIP_NO_INDEX: '1' });
        const host: InstallerHost = {
          ...real,
          run: async (command, args, timeoutMs) => {
            const result = await real.run(command, args, timeoutMs);
            if (result.code === 0 && args.includes('venv')) {
              linkDependencies(args[args.length - 1], deps);
            }
            return result;
          },
        };
        const layout = { storageDir: path.join(work, 'storage'), extensionDir, version: '0.1.0' };

        const plan = planServer(NO_SETTINGS, layout, host);
        assert.equal(plan.kind, 'install');
        assert.ok(plan.kind === 'install');
        const messages: string[] = [];
        const settings = await installServer(plan, host, (message) => messages.push(message));

        const program = envProgram(privateEnvDir(layout), process.platform, 'fillin');
        assert.deepEqual(settings, { command: [program], pythonPath: '' });
        assert.deepEqual(planServer(NO_SETTINGS, layout, host), { kind: 'private', settings });
        const where = execFileSync(
          envProgram(privateEnvDir(layout), process.platform, 'python'),
          ['-I', '-c', 'import lsp_server; print(lsp_server.__file__)'],
          { encoding: 'utf8' },
        );
        assert.ok(where.startsWith(privateEnvDir(layout)), where);

        const child = spawn(program, ['serve'], { cwd: work, stdio: ['pipe', 'pipe', 'ignore'] });
        const connection = createProtocolConnection(child.stdout, child.stdin);
        connection.listen();
        try {
          const result = (await connection.sendRequest('initialize', {
            processId: process.pid,
            rootUri: pathToFileURL(work).toString(),
            capabilities: {},
            initializationOptions: { index: { enabled: false } },
          })) as {
            capabilities: { inlineCompletionProvider?: unknown };
            serverInfo?: { name: string };
          };
          assert.ok(result.capabilities.inlineCompletionProvider, JSON.stringify(result));
          await connection.sendRequest('shutdown');
          await connection.sendNotification('exit');
        } finally {
          connection.dispose();
          child.kill();
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  );
});

/** A directory linking every package of the project's .venv except fillin itself. */
function dependencyFarm(work: string): string {
  const site = execFileSync(
    VENV_PYTHON,
    ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
    {
      encoding: 'utf8',
    },
  ).trim();
  const farm = path.join(work, 'deps');
  mkdirSync(farm);
  for (const entry of readdirSync(site)) {
    if (/^(fillin-|__editable__)/.test(entry) || entry.endsWith('.pth')) {
      continue;
    }
    symlinkSync(path.join(site, entry), path.join(farm, entry));
  }
  return farm;
}

/** Makes the dependency farm importable in the environment at `envDir`. */
function linkDependencies(envDir: string, farm: string): void {
  const python = envProgram(envDir, process.platform, 'python');
  const site = execFileSync(
    python,
    ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
    {
      encoding: 'utf8',
    },
  ).trim();
  writeFileSync(path.join(site, 'fillin-test-dependencies.pth'), farm + '\n');
}
