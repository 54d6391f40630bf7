// Connection backoff and waitForReady, for our client and grpc-js's on the same scenarios: fail-fast without a
// connect per call, retries on the backoff timer, calls that wait for the server, their deadline, cancel and close.
// Counts of connection attempts and call outcomes only; backoffs are tens of ms, so nothing waits real seconds.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { Status } from '../../lib/protocol/status.js';
import { startConnectGate } from './connect-gate.js';
import type { ConnectGate } from './connect-gate.js';
import { startEchoServer } from './echo-server.js';
import type { EchoServer } from './echo-server.js';
import { OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, echoService, freePort, grpcErrorOf, runScript, sleep, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';
import { failureOf, reconnectClientKinds } from './reconnect-clients.js';
import type { ReconnectClient } from './reconnect-clients.js';

const FAST = { initialMs: 20, maxMs: 50 };
// Longer than any test: after the first failed attempt, no retry happens during the test.
const NEVER = { initialMs: 60_000, maxMs: 60_000 };

for (const kind of reconnectClientKinds) {
  describe(`reconnect client=${kind.name}`, { timeout: SUITE_TIMEOUT_MS }, () => {
    let gate: ConnectGate;
    let server: EchoServer;
    const clients: ReconnectClient[] = [];
    const connect = (address: string, backoff = FAST): ReconnectClient => {
      const client = kind.create(address, backoff);
      clients.push(client);
      return client;
    };

    before(async () => {
      server = await startEchoServer();
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await server.stop();
    });
    // Each test gets a gate that drops every connection until told to forward it.
    const withGate = (fn: () => Promise<void>) => async () => {
      gate = await startConnectGate();
      try {
        await fn();
      } finally {
        await gate.stop();
      }
    };

    it('in transient failure, calls fail fast UNAVAILABLE without a connection attempt each', withGate(async () => {
      const client = connect(gate.address, NEVER);
      const first = await failureOf(within(OUTCOME_WAIT_MS, client.unary('first')));
      assert.equal(first.code, Status.UNAVAILABLE);
      const calls = await Promise.all(Array.from({ length: 20 }, (_, i) => failureOf(within(OUTCOME_WAIT_MS, client.unary(`c${i}`)))));
      for (const failure of calls) {
        assert.equal(failure.code, Status.UNAVAILABLE);
        assert.match(failure.message, /^No connection established/);
      }
      assert.equal(gate.attempts, 1);
    }));

    it('a failed connection retries when its backoff timer fires, with no call asking', withGate(async () => {
      const client = connect(gate.address);
      await failureOf(within(OUTCOME_WAIT_MS, client.unary('first')));
      await within(OUTCOME_WAIT_MS, gate.attemptsReached(3), 'two retries');
    }));

    it('waitForReady: the call waits through failed attempts and goes out once a server answers', withGate(async () => {
      const client = connect(gate.address);
      const waiting = client.unary('patient', { waitForReady: true });
      await within(OUTCOME_WAIT_MS, gate.attemptsReached(2), 'a retry');
      const impatient = await failureOf(within(OUTCOME_WAIT_MS, client.unary('impatient')));
      assert.equal(impatient.code, Status.UNAVAILABLE);
      gate.forwardTo(server.port);
      assert.equal(await within(OUTCOME_WAIT_MS, waiting), 'patient');
    }));

    it('waitForReady: a call made before the server starts succeeds once it is started', async () => {
      const port = await freePort();
      const client = connect(`127.0.0.1:${port}`);
      const waiting = client.unary('early', { waitForReady: true });
      // Only sequencing: let a few attempts be refused before the server exists.
      await sleep(100);
      const late = await startEchoServer(port);
      try {
        assert.equal(await within(OUTCOME_WAIT_MS, waiting), 'early');
      } finally {
        await late.stop();
      }
    });

    it('waitForReady: a deadline that passes while waiting -> DEADLINE_EXCEEDED', withGate(async () => {
      const client = connect(gate.address);
      const failure = await failureOf(within(OUTCOME_WAIT_MS, client.unary('late', { waitForReady: true, timeoutMs: 150 })));
      assert.equal(failure.code, Status.DEADLINE_EXCEEDED);
    }));

    it('waitForReady: cancelled while waiting -> CANCELLED, and close() then resolves', withGate(async () => {
      const client = kind.create(gate.address, FAST);
      const abort = new AbortController();
      const waiting = failureOf(within(OUTCOME_WAIT_MS, client.unary('gone', { waitForReady: true, signal: abort.signal })));
      await within(OUTCOME_WAIT_MS, gate.attemptsReached(1), 'an attempt');
      abort.abort();
      assert.equal((await waiting).code, Status.CANCELLED);
      await within(OUTCOME_WAIT_MS, client.close(), 'close');
    }));

    it('close() while calls wait: they fail UNAVAILABLE and close() resolves', withGate(async () => {
      const client = kind.create(gate.address, FAST);
      const waiting = Array.from({ length: 3 }, (_, i) => failureOf(within(OUTCOME_WAIT_MS, client.unary(`w${i}`, { waitForReady: true }))));
      await within(OUTCOME_WAIT_MS, gate.attemptsReached(1), 'an attempt');
      await within(OUTCOME_WAIT_MS, client.close(), 'close');
      for (const failure of await Promise.all(waiting)) assert.equal(failure.code, Status.UNAVAILABLE);
    }));

    it('a connection that worked and dropped reconnects at once on the next call', withGate(async () => {
      gate.forwardTo(server.port);
      const client = connect(gate.address, NEVER);
      assert.equal(await within(OUTCOME_WAIT_MS, client.unary('one')), 'one');
      gate.dropAll();
      await sleep(50);
      assert.equal(await within(OUTCOME_WAIT_MS, client.unary('two')), 'two');
      assert.equal(gate.attempts, 2);
    }));
  });
}

describe('reconnect, our client only', { timeout: SUITE_TIMEOUT_MS }, () => {
  it('a success resets the backoff: the next failure retries after initialMs, not the grown delay', async () => {
    const server = await startEchoServer();
    const gate = await startConnectGate();
    // Without the reset the third delay would be 40 s: the last call would end DEADLINE_EXCEEDED.
    const client = new GrpcClient(gate.address, { reconnectBackoff: { initialMs: 40, multiplier: 1000, maxMs: 60_000, jitter: 0 } });
    const stub = client.getService<EchoStub>(echoService);
    try {
      assert.equal((await grpcErrorOf(within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'a' })))).code, Status.UNAVAILABLE);
      gate.forwardTo(server.port);
      assert.equal((await within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'b' }, { waitForReady: true }))).text, 'b');
      assert.equal(gate.attempts, 2);
      gate.forwardTo(undefined);
      gate.dropAll();
      await sleep(50);
      assert.equal((await grpcErrorOf(within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'c' })))).code, Status.UNAVAILABLE);
      assert.equal(gate.attempts, 3);
      gate.forwardTo(server.port);
      const d = await within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'd' }, { waitForReady: true, timeout: 4000 }));
      assert.equal(d.text, 'd');
      assert.equal(gate.attempts, 4);
    } finally {
      await client.close();
      await gate.stop();
      await server.stop();
    }
  });

  it('an attempt that gets no HTTP/2 settings is abandoned after the connect timeout', async () => {
    // Accepts the socket and says nothing, as a stalled server.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const client = new GrpcClient(`127.0.0.1:${port}`, { reconnectBackoff: { initialMs: 20, maxMs: 20, minConnectTimeoutMs: 50 } });
    const stub = client.getService<EchoStub>(echoService);
    try {
      const first = await grpcErrorOf(within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'stalled' })));
      assert.equal(first.code, Status.UNAVAILABLE);
      const next = await grpcErrorOf(within(OUTCOME_WAIT_MS, stub.Unary.promise({ text: 'again' })));
      assert.equal(next.code, Status.UNAVAILABLE);
      assert.match(next.message, /^No connection established. Last error: Connection attempt timed out after 50 ms/);
    } finally {
      await client.close({ force: true });
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('bad reconnectBackoff settings fail at construction', () => {
    assert.throws(() => new GrpcClient('127.0.0.1:1', { reconnectBackoff: { initialMs: -5 } }), TypeError);
    assert.throws(() => new GrpcClient('127.0.0.1:1', { reconnectBackoff: { jitter: 2 } }), TypeError);
  });

  it('a cancelled or expired waiting call leaves nothing that keeps the process alive', async () => {
    const { exitCode, output } = await runScript('waiting-client.js', [`127.0.0.1:${await freePort()}`, 'release']);
    assert.equal(exitCode, 0, output);
    assert.match(output, /deadline: DEADLINE_EXCEEDED\ncancel: CANCELLED/);
  });

  it('a waiting call without a deadline keeps the process alive until the server comes', async () => {
    const port = await freePort();
    let started: Promise<EchoServer> | undefined;
    const { exitCode, output } = await runScript('waiting-client.js', [`127.0.0.1:${port}`, 'hold'], (text) => {
      if (started === undefined && text.includes('waiting')) started = sleep(100).then(() => startEchoServer(port));
    });
    await (await started)?.stop();
    assert.equal(exitCode, 0, output);
    assert.match(output, /reply: held/);
  });
});
