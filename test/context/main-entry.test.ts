// The main entry serves a standalone GrpcServer with request context without Nest: loaded in a child process whose
// resolve hook refuses every '@nestjs/*' import, it still loads; the /nest entry, under the same hook, does not.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BOUND = { timeout: 20_000 };

// Runs in the loader thread: any module asking for a Nest package fails to load, naming it.
const REFUSE_NEST = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@nestjs/')) throw new Error('refused ' + specifier);
  return next(specifier, context);
}`;

/** Imports `entry` with Nest unresolvable; prints the names it exports, or the error. */
async function loadWithoutNest(entry: string): Promise<{ ok: boolean; out: string }> {
  const script = `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(REFUSE_NEST)}));
    try {
      const entry = await import(${JSON.stringify(new URL(entry, import.meta.url).href)});
      console.log(JSON.stringify(Object.keys(entry)));
    } catch (err) {
      console.log(String(err.message));
      process.exitCode = 3;
    }`;
  try {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 });
    return { ok: true, out: stdout.trim() };
  } catch (err) {
    return { ok: false, out: String((err as { stdout?: string }).stdout ?? err).trim() };
  }
}

describe('the main entry does not load Nest', BOUND, () => {
  it('loads with every @nestjs/* import refused, and exports the context beside GrpcServer', async () => {
    const { ok, out } = await loadWithoutNest('../../lib/index.js');
    assert.ok(ok, out);
    const names = JSON.parse(out) as string[];
    for (const name of ['GrpcServer', 'GrpcClient', 'GrpcRequestContext', 'DEFAULT_FORWARDED_KEYS']) assert.ok(names.includes(name), name);
  });

  it('the /nest entry, under the same hook, fails on its Nest import (the hook works)', async () => {
    const { ok, out } = await loadWithoutNest('../../lib/nest/index.js');
    assert.equal(ok, false);
    assert.match(out, /refused @nestjs\//);
  });
});
