/**
 * The extension manifest is store-ready and the .vsix holds what the extension needs.
 *
 * The file list comes from `vsce ls`, which applies .vscodeignore exactly as `vsce package`
 * does, so these tests see the package a user installs.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const properties = manifest.contributes.configuration.properties as Record<string, unknown>;

describe('package.json', () => {
  it('has what the Marketplace asks for and is not private', () => {
    assert.equal(manifest.private, undefined);
    for (const field of ['name', 'displayName', 'description', 'version', 'publisher']) {
      assert.equal(typeof manifest[field], 'string', field);
    }
    assert.equal(manifest.license, 'MIT');
    assert.match(manifest.repository.url, /^https:\/\/github\.com\/.+\.git$/);
    assert.match(manifest.homepage, /^https:\/\//);
    assert.match(manifest.bugs.url, /^https:\/\/.+\/issues$/);
    assert.ok(manifest.categories.length > 0 && manifest.keywords.length > 0);
    assert.match(manifest.galleryBanner.color, /^#[0-9A-F]{6}$/i);
  });

  it('has a 128x128 PNG icon', () => {
    const png = readFileSync(path.join(ROOT, manifest.icon));
    assert.equal(png.subarray(1, 4).toString('ascii'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
  });

  it('limits untrusted workspaces to settings that exist', () => {
    const untrusted = manifest.capabilities.untrustedWorkspaces;
    assert.equal(untrusted.supported, 'limited');
    for (const key of [
      'fillin.model.backend',
      'fillin.model.url',
      'fillin.model.apiKeyEnv',
      'fillin.model.path',
      'fillin.index.directory',
      'fillin.server.command',
      'fillin.server.pythonPath',
    ]) {
      assert.ok(untrusted.restrictedConfigurations.includes(key), key);
    }
    for (const key of untrusted.restrictedConfigurations) {
      assert.ok(key in properties, `${key} is restricted but not contributed`);
    }
  });

  it('contributes the trigger, debounce and per-language settings and their commands', () => {
    assert.deepEqual((properties['fillin.suggest.trigger'] as { enum: string[] }).enum, [
      'automatic',
      'manual',
    ]);
    assert.equal((properties['fillin.suggest.debounceMs'] as { type: string }).type, 'integer');
    assert.deepEqual((properties['fillin.suggest.enable'] as { default: unknown }).default, {
      '*': true,
    });
    const commands = manifest.contributes.commands.map((c: { command: string }) => c.command);
    for (const command of ['fillin.trigger', 'fillin.toggleLanguage', 'fillin.doctor']) {
      assert.ok(commands.includes(command), command);
    }
    const keys = manifest.contributes.keybindings.map((k: { command: string }) => k.command);
    assert.ok(keys.includes('fillin.acceptNextLine') && keys.includes('fillin.trigger'));
  });

  it('has a walkthrough whose steps exist and point at real commands', () => {
    const [walkthrough] = manifest.contributes.walkthroughs;
    const commands = new Set(
      manifest.contributes.commands.map((c: { command: string }) => c.command),
    );
    assert.ok(walkthrough.steps.length >= 3);
    for (const step of walkthrough.steps) {
      assert.ok(existsSync(path.join(ROOT, step.media.markdown)), step.media.markdown);
      for (const [, command] of String(step.description).matchAll(/\(command:(fillin\.\w+)/g)) {
        assert.ok(commands.has(command), command);
      }
    }
  });
});

describe('README.md', () => {
  it('documents every contributed setting and command', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const missing = [
      ...Object.keys(properties).filter((key) => !readme.includes(`\`${key}\``)),
      ...manifest.contributes.commands
        .filter((c: { command: string }) => c.command !== 'fillin.didAccept')
        .map((c: { title: string }) => `fillin: ${c.title}`)
        .filter((title: string) => !readme.includes(`**${title}**`)),
    ];
    assert.deepEqual(missing, []);
    assert.match(readme, /From zero to ghost text: 2 steps/);
  });
});

describe('the .vsix file list', () => {
  const files = execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls'],
    { cwd: ROOT, encoding: 'utf8' },
  )
    .split('\n')
    .filter((line) => line !== '');

  it('holds the compiled extension, icon, walkthrough and runtime dependencies', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'out/extension.js',
      'out/installer.js',
      manifest.icon,
      'media/walkthrough/open.md',
      'node_modules/vscode-languageclient/package.json',
    ]) {
      assert.ok(files.includes(file), `${file} is missing from ${files.join(', ')}`);
    }
  });

  it('leaves out sources, tests, source maps, scripts and development dependencies', () => {
    const unwanted = files.filter((file) =>
      /^(src\/|out\/test\/|scripts\/|node_modules\/(typescript|prettier|@vscode\/vsce)\/)|\.(ts|map)$/.test(
        file,
      ),
    );
    assert.deepEqual(unwanted, []);
    assert.ok(files.length < 400, `${files.length} files`);
  });

  it('bundles exactly the server wheels that make dist put in server/', () => {
    const dir = path.join(ROOT, 'server');
    const wheels = existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => /^fillin-.*-py3-none-any\.whl$/.test(name))
          .map((name) => `server/${name}`)
      : [];
    assert.deepEqual(
      files.filter((file) => file.startsWith('server/')),
      wheels,
    );
  });
});
