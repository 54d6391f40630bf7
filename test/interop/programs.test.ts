// The interop:server and interop:client programs as another implementation would run them: official flags,
// one line per case, exit 0 only when every case passed, usage errors exit 2; and both over TLS (--use_tls=true).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CASE_NAMES } from './client-cases.js';
import { startGrpcJsInteropServer } from './grpc-js-server.js';
import type { InteropServer } from './test-service.controller.js';

const SERVER = fileURLToPath(new URL('../../interop/server.js', import.meta.url));
const CLIENT = fileURLToPath(new URL('../../interop/client.js', import.meta.url));
const RUN_MS = 20_000;

interface Exit { code: number | null; stdout: string; stderr: string }

/** Runs a program to its end (killed, and failing the test, past RUN_MS). */
function run(program: string, args: readonly string[]): Promise<Exit> {
  const child = spawn(process.execPath, [program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${program} ${args.join(' ')} ran past ${RUN_MS} ms`)); }, RUN_MS);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** Starts the server program and resolves with its port once it prints its listening line. */
function startServerProgram(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no listening line within ${RUN_MS} ms: ${output}`)), RUN_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on .*:(\d+)/.exec(output);
      if (match !== null) { clearTimeout(timer); resolve(Number(match[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited with ${code}: ${output}`)); });
  });
}

interface ServerProgram { readonly port: number; stop(): Promise<void> }

/** Runs interop:server on a free loopback port with `--use_tls=<tls>`; stop() sends SIGTERM and waits for the exit. */
async function launchServerProgram(tls: boolean): Promise<ServerProgram> {
  const child = spawn(process.execPath, [SERVER, '--port=0', `--use_tls=${tls}`, '--host=127.0.0.1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await startServerProgram(child);
  return {
    port,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('interop programs', { timeout: 60_000 }, () => {
  let server: ServerProgram;
  let port: number;
  let reference: InteropServer;

  before(async () => {
    server = await launchServerProgram(false);
    port = server.port;
    reference = await startGrpcJsInteropServer();
  });
  after(async () => {
    await server.stop();
    await reference.stop();
  });

  it('interop:client --test_case=all against interop:server: one PASS line per case, exit 0', async () => {
    const result = await run(CLIENT, ['--server_host=127.0.0.1', `--server_port=${port}`, '--test_case=all', '--use_tls=false']);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines.map((line) => line.split(' ').slice(0, 2).join(' ')), CASE_NAMES.map((name) => `PASS ${name}`), result.stdout + result.stderr);
    assert.equal(result.code, 0);
  });

  it('a failed case is a FAIL line and exit 1 (the grpc-js server does not compress)', async () => {
    const result = await run(CLIENT, ['--server_host', '127.0.0.1', '--server_port', String(reference.port), '--test_case=empty_unary,server_compressed_unary']);
    assert.match(result.stdout, /^PASS empty_unary .*\nFAIL server_compressed_unary .*expected response compressed flags \[true\], got \[false\]\n$/);
    assert.equal(result.code, 1);
  });

  const usage: Array<[string, string, readonly string[], RegExp]> = [
    ['the client refuses a --use_tls that is not true or false', CLIENT, ['--server_port=1', '--use_tls=yes'], /--use_tls must be true or false/],
    ['the client refuses an unknown test case', CLIENT, ['--server_port=1', '--test_case=no_such_case'], /unknown --test_case no_such_case/],
    ['the client refuses an unknown flag', CLIENT, ['--server_port=1', '--no_such_flag=1'], /unknown flag --no_such_flag/],
    ['the server needs --port', SERVER, [], /--port is required/],
  ];
  for (const [name, program, args, message] of usage) {
    it(`${name}: exit 2`, async () => {
      const result = await run(program, args);
      assert.match(result.stderr, message);
      assert.equal(result.code, 2);
    });
  }

  describe('over TLS', () => {
    let tlsServer: ServerProgram;
    const TLS_CLIENT = ['--server_host=127.0.0.1', '--use_tls=true', '--server_host_override=foo.test.google.fr'];
    const SOME_CASES = ['empty_unary', 'large_unary', 'ping_pong', 'custom_metadata'];

    before(async () => { tlsServer = await launchServerProgram(true); });
    after(() => tlsServer.stop());

    it('--use_tls=true --use_test_ca=true --server_host_override against interop:server --use_tls=true: PASS, exit 0', async () => {
      const result = await run(CLIENT, [...TLS_CLIENT, `--server_port=${tlsServer.port}`, '--use_test_ca=true', `--test_case=${SOME_CASES.join(',')}`]);
      const lines = result.stdout.trim().split('\n');
      assert.deepEqual(lines.map((line) => line.split(' ').slice(0, 2).join(' ')), SOME_CASES.map((name) => `PASS ${name}`), result.stdout + result.stderr);
      assert.equal(result.code, 0);
    });

    it('without --use_test_ca the system CAs do not trust the test certificate: FAIL saying TLS failed, exit 1', async () => {
      const result = await run(CLIENT, [...TLS_CLIENT, `--server_port=${tlsServer.port}`, '--test_case=empty_unary']);
      assert.match(result.stdout, /^FAIL empty_unary .*TLS failed: unable to verify the first certificate/);
      assert.equal(result.code, 1);
    });
  });
});
