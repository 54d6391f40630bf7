// A library installed as a linked folder ("file:" dependency, npm link) loads its own @nestjs/microservices beside
// the app's. Simulated: an app in a temp folder whose node_modules holds copies of @nestjs/common, core and
// microservices (the rest linked), importing the strategy from this build. It must refuse to start, saying why.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HEROES_PROTO } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const LIBRARY = pathToFileURL(join(ROOT, 'dist/lib/nest/index.js')).href;

// Plain JavaScript, decorators applied by hand: the app's own @nestjs/* resolve from its folder.
const APP = `
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
const { GrpcTransportStrategy } = await import(process.env.LIBRARY);
class Heroes { findOne(data) { return { id: data.id, name: 'Ada' }; } }
GrpcMethod('HeroesService', 'FindOne')(Heroes.prototype, 'findOne', Object.getOwnPropertyDescriptor(Heroes.prototype, 'findOne'));
Controller()(Heroes);
const strategy = new GrpcTransportStrategy({ url: '127.0.0.1:0', package: 'hero', protoPath: process.env.PROTO });
const app = await NestFactory.createMicroservice({ controllers: [Heroes] }, { strategy, logger: false });
try {
  await app.listen();
  console.log('LISTENING');
} catch (error) {
  console.log('REFUSED ' + error.message);
} finally {
  await app.close();
}
`;

function run(folder: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(folder, 'main.mjs')], {
      cwd: folder, timeout: 20_000, env: { ...process.env, LIBRARY, PROTO: HEROES_PROTO },
    }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim())));
  });
}

/** An app folder; `copyNest`: its @nestjs/* are copies, else links to this package's own (one copy). */
function appFolder(copyNest: boolean): string {
  const folder = mkdtempSync(join(tmpdir(), 'nest-copies-'));
  const modules = join(folder, 'node_modules');
  mkdirSync(join(modules, '@nestjs'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '@nestjs' && !entry.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  for (const name of ['common', 'core', 'microservices']) {
    const source = join(ROOT, 'node_modules/@nestjs', name);
    if (copyNest) cpSync(source, join(modules, '@nestjs', name), { recursive: true });
    else symlinkSync(source, join(modules, '@nestjs', name));
  }
  writeFileSync(join(folder, 'main.mjs'), APP);
  return folder;
}

describe('two copies of @nestjs/microservices', { timeout: 30_000 }, () => {
  let folder: string;
  let linked: string;
  before(() => {
    folder = appFolder(true);
    linked = appFolder(false);
  });
  after(() => {
    rmSync(folder, { recursive: true, force: true });
    rmSync(linked, { recursive: true, force: true });
  });

  it('one copy reached through links: the app starts', async () => {
    assert.equal(await run(linked), 'LISTENING');
  });

  it('the strategy refuses to start, naming both copies and what to do', async () => {
    const output = await run(folder);
    assert.match(output, /^REFUSED GrpcTransportStrategy: the app uses @nestjs\/microservices from /);
    assert.ok(output.includes(join(folder, 'node_modules/@nestjs/microservices')), output);
    assert.ok(output.includes(join(ROOT, 'node_modules/@nestjs/microservices')), output);
    assert.match(output, /npm pack/);
  });
});
