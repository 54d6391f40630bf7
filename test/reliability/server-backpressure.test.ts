// Backpressure under a fast uploader (issue 13): a client streaming 1 MiB messages as fast as flow control lets it
// to a handler that takes 10 ms per message and pulls (`for await`). The server's memory must stay bounded by the
// flow-control windows and the pull queue, as grpc-js's does for a pulling handler. Measured in a child process.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const CHILD = fileURLToPath(new URL('./server-memory-child.js', import.meta.url));
const MESSAGE = 1024 * 1024;
const MESSAGES = Number(process.env["UPLOAD_MESSAGES"] ?? 200);
// 200 MiB go through; windows (1 MiB per stream, 16 MiB per connection with ours) and 16 queued messages hold
// a few dozen MiB. Generous: an unbounded server grows by more than the 200 MiB sent.
const BOUND = 120 * 1024 * 1024;

interface Report { received: number; peakGrowth: number }

async function startChild(kind: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(CHILD, [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = await once(child, 'message') as [{ port: number }];
  return { child, port: message.port };
}

async function report(child: ChildProcess): Promise<Report> {
  child.send('report');
  const [message] = await once(child, 'message') as [Report];
  return message;
}

/** Streams MESSAGES messages of MESSAGE bytes, honouring write()'s backpressure, and waits for the answer. */
async function upload(port: number, method: 'ClientStream' | 'Bidi'): Promise<number> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const path = `/servertest.Shapes/${method}`;
    const serialize = (value: Buffer): Buffer => value;
    const deserialize = (bytes: Buffer): Buffer => bytes;
    const blob = Buffer.alloc(MESSAGE, 7);
    // An Item with only `blob` set: field 3, length-delimited.
    const item = Buffer.concat([Buffer.from([0x1a, 0x80, 0x80, 0x40]), blob]);
    const done = new Promise<number>((resolve, reject) => {
      const onStatus = (status: grpc.StatusObject): void => (status.code === grpc.status.OK ? resolve(MESSAGES) : reject(new Error(status.details)));
      const call = method === 'ClientStream'
        ? client.makeClientStreamRequest(path, serialize, deserialize, new grpc.Metadata(), {}, () => {})
        : client.makeBidiStreamRequest(path, serialize, deserialize, new grpc.Metadata(), {});
      call.on('status', onStatus);
      if (method === 'Bidi') (call as grpc.ClientDuplexStream<Buffer, Buffer>).on('data', () => {});
      void (async () => {
        for (let i = 0; i < MESSAGES; i++) if (!call.write(item)) await once(call, 'drain');
        call.end();
      })();
    });
    return await done;
  } finally {
    client.close();
  }
}

describe('a fast uploader and a handler that pulls slowly', { timeout: 120_000 }, () => {
  for (const method of ['ClientStream', 'Bidi'] as const) {
    // grpc-js as the reference for client streaming; its duplex, read to the end with for-await, did not end here.
    for (const kind of method === 'ClientStream' ? ['ours-pull', 'grpc-js-pull'] : ['ours-pull']) {
      it(`server=${kind} ${method}: every message arrives, memory stays bounded`, async () => {
        const { child, port } = await startChild(kind);
        try {
          await upload(port, method);
          const { received, peakGrowth } = await report(child);
          assert.equal(received, MESSAGES);
          assert.ok(peakGrowth < BOUND, `peak RSS grew by ${(peakGrowth / 2 ** 20).toFixed(0)} MiB`);
        } finally {
          child.send('stop');
          await once(child, 'exit');
        }
      });
    }
  }
});
