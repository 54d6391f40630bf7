// Connections that never become useful (issue 13): silent ones, a preface sent a byte at a time, a preface and
// nothing more, a client that hangs up. Each is closed by the server within its limit, the server's connection count
// returns to zero, and a healthy call on another connection is answered meanwhile.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { callUnary, delay, startHarness } from '../server/fixtures.js';
import type { Harness } from '../server/fixtures.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const LIMITS = { handshakeTimeoutMs: 300, idleTimeoutMs: 60_000 };
const IDLE_LIMITS = { handshakeTimeoutMs: 60_000, idleTimeoutMs: 500 };

/** A raw TCP connection whose incoming bytes are read (so the server's FIN shows as 'end'). */
async function rawConnect(port: number): Promise<{ socket: Socket; received: Buffer[]; closed: Promise<unknown> }> {
  const socket = connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  return { socket, received, closed };
}

function connections(harness: Harness): Promise<number> {
  return new Promise((resolve, reject) => harness.server.http2Server!.getConnections((err, count) => (err ? reject(err) : resolve(count))));
}

async function healthy(harness: Harness): Promise<void> {
  const outcome = await callUnary(harness.client, { text: 'ping' });
  assert.equal(outcome.response?.text, 'pong');
}

const handlers = { Unary: () => ({ text: 'pong' }) };

describe('connections that do not complete the handshake or never call', { timeout: 30_000 }, () => {
  it('a silent connection is closed after handshakeTimeoutMs', async () => {
    const harness = await startHarness(handlers, LIMITS);
    try {
      const { closed } = await rawConnect(harness.port);
      await healthy(harness);
      await closed;
      await delay(50);
      // The grpc-js client's connection is the only one left.
      assert.equal(await connections(harness), 1);
    } finally {
      await harness.close();
    }
  });

  it('a preface sent a byte at a time is closed after handshakeTimeoutMs, before it completes', async () => {
    const harness = await startHarness(handlers, LIMITS);
    try {
      const { socket, closed } = await rawConnect(harness.port);
      let sent = 0;
      const drip = setInterval(() => { if (!socket.destroyed && sent < PREFACE.length) socket.write(PREFACE.subarray(sent, ++sent)); }, 50);
      try {
        await healthy(harness);
        await closed;
      } finally {
        clearInterval(drip);
      }
      assert.ok(sent < PREFACE.length, `the whole preface went through (${sent} bytes)`);
    } finally {
      await harness.close();
    }
  });

  it('a preface and SETTINGS but no call: GOAWAY after idleTimeoutMs, then closed', async () => {
    const harness = await startHarness(handlers, IDLE_LIMITS);
    try {
      const { socket, received, closed } = await rawConnect(harness.port);
      socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
      await healthy(harness);
      await closed;
      const bytes = Buffer.concat(received);
      // Frames: 3-byte length, then the type; GOAWAY is type 7.
      const types: number[] = [];
      for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) types.push(bytes[at + 3]!);
      assert.ok(types.includes(7), `frame types received: ${types.join(',')}`);
    } finally {
      await harness.close();
    }
  });

  it('a client that closes its side is released at once (no CLOSE-WAIT)', async () => {
    const harness = await startHarness(handlers, { handshakeTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
    try {
      await healthy(harness);
      const { socket, closed } = await rawConnect(harness.port);
      socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
      await delay(50);
      assert.equal(await connections(harness), 2);
      socket.end();
      await closed;
      await delay(50);
      assert.equal(await connections(harness), 1);
      await healthy(harness);
    } finally {
      await harness.close();
    }
  });
});
