// The package as a user gets it: `npm pack` of the working tree installed into a Nest app that has only Nest,
// rxjs and reflect-metadata, whose Transport.GRPC-style controller and client run all four call shapes through it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freeAddress, listFiles, packWorkingTree, ROOT, run, writeApp } from './scratch-app.js';

// Packing, installing and compiling take seconds each, more on a loaded machine; a hang still ends here.
const TIMEOUT = { timeout: 180_000 };
const SHIPPED = /^(LICENSE|README\.md|package\.json|lib\/.+\.ts|dist\/lib\/.+\.(js|d\.ts|js\.map|d\.ts\.map))$/;

describe('installed from npm pack', () => {
  let scratch = '';
  let app = '';
  let installed = '';

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nestjs-grpc-transport-pack-'));
    app = writeApp(scratch, await packWorkingTree(scratch));
    // --prefer-offline: the lockfile's packages come from the cache `npm ci` filled; anything missing from it,
    // from the registry.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], app, 120_000);
    installed = join(app, 'node_modules/nestjs-grpc-transport');
  }, TIMEOUT);
  after(() => { if (scratch !== '') rmSync(scratch, { recursive: true, force: true }); });

  it('ships the built lib with its types, the sources its maps name, README and LICENSE; no tests', () => {
    const files = listFiles(installed);
    assert.deepEqual(files.filter((file) => !SHIPPED.test(file)), []);
    type Target = string | { types: string; default: string };
    const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Target> };
    const entryPoints = Object.values(ours.exports)
      .flatMap((target) => (typeof target === 'string' ? [target] : [target.types, target.default]))
      .map((path) => path.replace(/^\.\//, ''));
    for (const path of [...entryPoints, 'LICENSE', 'README.md']) assert.ok(files.includes(path), `${path} is shipped`);
  });

  it('every source map names files the package holds', () => {
    const maps = listFiles(installed).filter((file) => file.endsWith('.map'));
    assert.ok(maps.length > 0);
    const missing = maps.flatMap((map) => {
      const { sources } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[] };
      return sources.map((source) => join(dirname(join(installed, map)), source)).filter((path) => !existsSync(path));
    });
    assert.deepEqual(missing, []);
  });

  it('needs no @grpc/grpc-js: the app does not have it', () => {
    assert.equal(existsSync(join(app, 'node_modules/@grpc/grpc-js')), false);
  });

  it('loads with require() too, as a CommonJS Nest app (the Nest CLI default) does on Node >= 20.19', async () => {
    const script = "const nest = require('nestjs-grpc-transport/nest'); const root = require('nestjs-grpc-transport');"
      + 'console.log(JSON.stringify([typeof nest.GrpcTransportStrategy, typeof nest.GrpcClientProxy, typeof root.GrpcServer]))';
    const output = await run(process.execPath, ['--input-type=commonjs', '-e', script], app, 30_000);
    assert.deepEqual(JSON.parse(output), ['function', 'function', 'function']);
  });

  it('a Nest app compiled against its types serves and calls unary, server, client and bidi streaming', TIMEOUT, async () => {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], app, 60_000);
    const output = await run(process.execPath, ['main.js', await freeAddress()], app, 30_000);
    assert.deepEqual(JSON.parse(output), {
      unary: { id: 2, name: 'Doe for scratch' },
      serverStream: [{ id: 2, name: 'Doe' }, { id: 3, name: 'Ada' }],
      clientStream: { count: 2 },
      bidi: [{ id: 3, name: 'Ada' }, { id: 1, name: 'John' }, { id: 7, name: 'unknown' }],
    });
  });
});
