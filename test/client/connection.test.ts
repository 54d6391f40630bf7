// The shared connection: refused -> UNAVAILABLE, reconnect after a server restart, close(), and an idle
// client that must not keep the process alive.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { Status } from '../../lib/protocol/status.js';
import { startEchoServer } from './echo-server.js';
import { GRPC_OK_HEADERS, startRawServer } from './raw-server.js';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, collect, echoMethod, echoService, freePort, grpcErrorOf, runScript, sleep, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';

describe('connection', { timeout: SUITE_TIMEOUT_MS }, () => {
  it('connection refused -> UNAVAILABLE, for every call shape', async () => {
    const client = new GrpcClient(`127.0.0.1:${await freePort()}`);
    try {
      const stub = client.getService<EchoStub>(echoService);
      const unary = await grpcErrorOf(within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'x' })));
      assert.equal(unary.code, Status.UNAVAILABLE);
      assert.match(unary.message, /ECONNREFUSED/);
      const streamed = await grpcErrorOf(within(OUTCOME_WAIT_MS, collect(stub.Bidi([{ text: 'x' }]))));
      assert.equal(streamed.code, Status.UNAVAILABLE);
    } finally {
      await client.close();
    }
  });

  it('reconnects after the server restarts on the same port', async () => {
    let server = await startEchoServer();
    const client = new GrpcClient(server.address, { reconnectBackoff: { initialMs: 20, maxMs: 50 } });
    try {
      const stub = client.getService<EchoStub>(echoService);
      assert.equal((await stub.Unary.promise({ text: 'one' })).text, 'one');
      const port = server.port;
      await server.stop();
      await sleep(50);
      // While the server is down calls fail fast with UNAVAILABLE...
      const down = await grpcErrorOf(within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'down' })));
      assert.equal(down.code, Status.UNAVAILABLE);
      server = await startEchoServer(port);
      // ...and once the backoff lets the next attempt through, calls run on a new connection.
      assert.equal((await within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'two' }, { waitForReady: true }))).text, 'two');
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('after a GOAWAY the next call opens a new connection', async () => {
    const raw = await startRawServer();
    const client = new GrpcClient(raw.address);
    const sessions = new Set<unknown>();
    try {
      raw.handle((stream) => {
        sessions.add(stream.session);
        stream.respond(GRPC_OK_HEADERS, { waitForTrailers: true });
        stream.on('wantTrailers', () => {
          stream.sendTrailers({ 'grpc-status': '0' });
          stream.session?.goaway(); // graceful: this stream completes, later ones need a new connection
        });
        stream.end(encodeFrame(echoMethod('Unary').serializeResponse({ text: 'r' }), false));
      });
      const stub = client.getService<EchoStub>(echoService);
      assert.equal((await within(OUTCOME_WAIT_MS, stub.Unary.promise({}))).text, 'r');
      await sleep(20);
      assert.equal((await within(OUTCOME_WAIT_MS, stub.Unary.promise({}))).text, 'r');
      assert.equal(sessions.size, 2);
    } finally {
      await client.close({ force: true });
      await raw.stop();
    }
  });

  it('a call in flight when the server goes away ends UNAVAILABLE', async () => {
    const server = await startEchoServer();
    const client = new GrpcClient(server.address);
    try {
      const pending = client.getService<EchoStub>(echoService).Unary.promise({ mode: 'hang' });
      await sleep(50);
      await server.stop();
      const err = await grpcErrorOf(within(OUTCOME_WAIT_MS, pending));
      assert.equal(err.code, Status.UNAVAILABLE);
    } finally {
      await client.close();
    }
  });

  it('close(): calls in flight finish, later calls fail UNAVAILABLE, close resolves', async () => {
    const server = await startEchoServer();
    const client = new GrpcClient(server.address);
    try {
      const stub = client.getService<EchoStub>(echoService);
      const inFlight = collect(stub.ServerStream({ text: 'c', count: 3 }));
      const closed = client.close();
      assert.equal((await within(OUTCOME_WAIT_MS, inFlight)).length, 3);
      await within(OUTCOME_WAIT_MS, closed, 'close');
      const after = await grpcErrorOf(stub.Unary.promise({ text: 'late' }));
      assert.equal(after.code, Status.UNAVAILABLE);
      await client.close(); // idempotent
    } finally {
      await server.stop();
    }
  });

  it('close({ force: true }) ends calls in flight with UNAVAILABLE', async () => {
    const server = await startEchoServer();
    const client = new GrpcClient(server.address);
    try {
      const pending = grpcErrorOf(within(OUTCOME_WAIT_MS, client.getService<EchoStub>(echoService).Unary.promise({ mode: 'hang' })));
      await sleep(50);
      await within(OUTCOME_WAIT_MS, client.close({ force: true }), 'forced close');
      const err = await pending;
      assert.equal(err.code, Status.UNAVAILABLE);
    } finally {
      await server.stop();
    }
  });

  it('an idle client does not keep the process alive', async () => {
    const server = await startEchoServer();
    try {
      const { exitCode, output } = await runScript('idle-client.js', [server.address]);
      assert.equal(exitCode, 0, output);
      assert.match(output, /reply: idle/);
    } finally {
      await server.stop();
    }
  });
});
