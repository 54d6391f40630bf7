// What the install test does as a user would: pack the working tree, make an app that depends on the tarball and
// on Nest alone, install it from the npm cache, compile it with tsc, run it. Each step is a child process.
import { execFile } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutLockfile } from './scratch-lock.js';
import type { Lockfile } from './scratch-lock.js';

/** The repository root, from dist/test/package/. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = join(ROOT, 'test/package/scratch-app');
// What a Nest user's app has anyway; everything else must come with our package.
const APP_PACKAGES = ['@nestjs/common', '@nestjs/core', '@nestjs/microservices', 'reflect-metadata', 'rxjs'];
// Not copied for packing: what a fresh clone lacks.
const UNCLONED = new Set(['node_modules', 'dist', '.git']);

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/**
 * Runs a command with a bound time, rejecting with its output when it fails. npm's own npm_* variables are
 * dropped, above all npm_config_local_prefix, which would point a child npm at this repository instead of `cwd`.
 */
export function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || /^npm_config_(cache|registry|userconfig|globalconfig|cafile)$/i.test(key)));
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
    });
  });
}

/** Packs a copy of the working tree (so its `prepare` build leaves this suite's dist/ alone); returns the tarball path. */
export async function packWorkingTree(scratch: string): Promise<string> {
  const source = join(scratch, 'source');
  cpSync(ROOT, source, { recursive: true, filter: (path) => !UNCLONED.has(relative(ROOT, path).split(/[\\/]/)[0] ?? '') });
  // prepare runs our tsc, as it would after `npm install` in a clone.
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  await run('npm', ['pack', '--pack-destination', scratch], source, 60_000);
  const tarballs = readdirSync(scratch).filter((name) => name.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${scratch}`);
  return join(scratch, tarballs[0] as string);
}

/** An app dir depending on the tarball and on Nest, rxjs and reflect-metadata at our devDependencies' versions. */
export function writeApp(scratch: string, tarball: string): string {
  const app = join(scratch, 'app');
  cpSync(FIXTURE, app, { recursive: true });
  const ours = readJson<PackageJson>(join(ROOT, 'package.json'));
  const pinned = (name: string): string => {
    const version = ours.devDependencies?.[name] ?? ours.dependencies?.[name];
    if (version === undefined) throw new Error(`package.json does not pin ${name}`);
    return version;
  };
  const own = Object.fromEntries(APP_PACKAGES.map((name) => [name, pinned(name)]));
  const dependencies = { ...own, [ours.name]: `file:${relative(app, tarball)}` };
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '0.0.0', private: true, type: 'module', dependencies }, null, 2));
  // The tarball itself stays out of the lock: npm reads it at install, and its dependencies are already there.
  const reached = [...APP_PACKAGES, ...Object.keys(ours.dependencies ?? {})];
  const lock = cutLockfile(readJson<Lockfile>(join(ROOT, 'package-lock.json')), 'scratch-app', dependencies, reached);
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], strict: true,
      experimentalDecorators: true, emitDecoratorMetadata: true,
      // A TypeScript user has @types/node; the app borrows ours rather than installing it.
      types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
    },
    files: ['main.ts'],
  }, null, 2));
  return app;
}

/** Every file under `dir`, as paths relative to it with '/' separators. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(/[\\/]/).join('/'))
    .sort();
}

/** A loopback address with a port free at the time of asking. */
export async function freeAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}
