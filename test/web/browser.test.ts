// A real browser: headless Chromium loads a page from one origin that calls GrpcServer (web + CORS) on another
// with @connectrpc/connect-web over gRPC-Web and Connect. Chromium comes from Debian's package, installed here
// when missing and possible; without it the test skips with a message, except under CI=true, where it fails.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { build } from 'esbuild';
import { echoFileDescriptors, startWebServer } from './web-fixtures.js';
import type { WebHarness } from './web-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const PAGE_SOURCE = fileURLToPath(new URL('../../../test/web/browser/page.ts', import.meta.url));

function findChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 300_000 });
    } catch {
      // Offline or no package lists: reported below.
    }
  }
  return existsSync(CHROMIUM) ? CHROMIUM : undefined;
}

interface PageResult { name: string; text?: string; big?: string; echoed?: string; header?: string; trailer?: string; stream?: number[]; error?: string; failure?: string }

const chromium = findChromium();
if (chromium === undefined && process.env['CI'] === 'true') throw new Error(`Chromium is required under CI: ${CHROMIUM} is missing and could not be installed`);
if (chromium === undefined) console.log(`# browser test skipped: ${CHROMIUM} is missing and could not be installed`);

describe('headless Chromium with connect-web, cross-origin', { skip: chromium === undefined ? 'Chromium not available' : false }, () => {
  let api: WebHarness;
  let page: Server;
  let results: Promise<PageResult[]>;
  let pageUrl = '';

  before(async () => {
    // The page is served from localhost and calls 127.0.0.1: two origins, so every call goes through CORS.
    page = createServer();
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    const pagePort = (page.address() as { port: number }).port;
    const pageOrigin = `http://localhost:${pagePort}`;
    api = await startWebServer({ web: { cors: { origins: [pageOrigin], allowedHeaders: ['x-echo'], exposedHeaders: ['x-header', 'x-trailer'] } } });
    const descriptors = Buffer.from(toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: echoFileDescriptors() }))).toString('base64');
    const bundle = await build({
      entryPoints: [PAGE_SOURCE], bundle: true, write: false, format: 'esm', target: 'es2022', platform: 'browser',
      define: { API_URL: JSON.stringify(api.baseUrl), DESCRIPTORS: JSON.stringify(descriptors) },
    });
    const script = bundle.outputFiles[0]!.text;
    results = new Promise((resolve) => {
      page.on('request', (request, response) => {
        if (request.url === '/result') {
          let body = '';
          request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
          request.on('end', () => { response.end(); resolve(JSON.parse(body) as PageResult[]); });
        } else if (request.url === '/page.js') {
          response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
        } else {
          response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/page.js"></script>');
        }
      });
    });
    pageUrl = `${pageOrigin}/`;
  });

  after(async () => {
    page.close();
    await api.close();
  });

  it('gRPC-Web and Connect (JSON, protobuf) from the page: messages, metadata, streaming, errors', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
    const browser = spawn(chromium!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, pageUrl,
    ], { stdio: 'ignore', detached: true });
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    try {
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('The page did not report within 30 s')), 30_000).unref());
      const seen = await Promise.race([results, timeout]);
      assert.deepEqual(seen.map((r) => r.name), ['grpc-web', 'connect-json', 'connect-proto']);
      for (const result of seen) {
        assert.deepEqual(result, {
          name: result.name, text: 'from the browser', big: '123456789012345678', echoed: 'page', header: 'h', trailer: 't',
          stream: [0, 1, 2], error: '5:failed on purpose: ünïcode:t',
        });
      }
    } finally {
      // Its own process group (detached): the renderer and helper processes go with it.
      if (browser.pid !== undefined) process.kill(-browser.pid, 'SIGKILL');
      await exited;
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    }
  });
});
