// The @GrpcStreamCall duplex reads its requests as a Node Readable does: it pulls the request stream up to its
// high-water mark, so a handler that does not read holds the client back instead of buffering what it sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompatDuplexCall } from '../../lib/server/grpc-js-calls.js';
import type { CallContext } from '../../lib/server/call-context.js';
import { ServerRequestStream } from '../../lib/server/request-stream.js';
import type { RequestSource } from '../../lib/server/request-stream.js';
import type { RequestReceiver } from '../../lib/server/request-reader.js';

class FakeSource implements RequestSource {
  receiver: RequestReceiver | undefined;
  readonly flow: string[] = [];
  readRequests(receiver: RequestReceiver): void { this.receiver = receiver; }
  pauseRequests(): void { this.flow.push('pause'); }
  resumeRequests(): void { this.flow.push('resume'); }
}

const context = { signal: new AbortController().signal } as CallContext;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('@GrpcStreamCall duplex over a pullable request stream', () => {
  it('buffers up to its high-water mark, stops the reading, and gives every message in order when read', async () => {
    const source = new FakeSource();
    const call = new CompatDuplexCall(new ServerRequestStream(source), context);
    call.resume();
    call.pause();
    await tick();
    for (let i = 0; i < 100; i++) {
      source.receiver!.message({ id: i });
      await tick();
    }
    source.receiver!.end();
    assert.deepEqual(source.flow, ['pause']);
    assert.ok(call.readableLength <= 16, `${call.readableLength} messages in the duplex`);
    const ids: number[] = [];
    for await (const message of call) ids.push((message as { id: number }).id);
    assert.deepEqual(ids, Array.from({ length: 100 }, (_, i) => i));
    assert.ok(source.flow.includes('resume'));
  });
});
