// Child process for client-backpressure.test.ts: one client streams from the server while its caller stalls, and
// reports its memory over IPC. Run alone so the parent's server and test runner do not count.
// argv: <kind: ours-pull | ours-push | grpc-js> <address> <message count> <stall ms>

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Subscription } from 'rxjs';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { ECHO_PROTO } from '../client/echo-server.js';
import type { EchoReply, EchoRequest } from '../client/echo-server.js';
import { echoService, sleep } from '../client/fixtures.js';
import type { EchoStub } from '../client/fixtures.js';

/** What the child sends back: memory before the call, the peak while the caller stalled and while it read. */
export interface MemoryReport {
  readonly baselineRss: number;
  readonly stallPeakRss: number;
  readonly drainPeakRss: number;
  readonly received: number;
  readonly bytes: number;
  readonly error?: string;
}

/** The one shape every client kind is read through: pull the next message, or end. */
interface Reader {
  next(): Promise<EchoReply | undefined>;
  close(): Promise<void>;
}

const [kind, address, countArg, stallArg] = process.argv.slice(2);
const count = Number(countArg);
const stallMs = Number(stallArg);
const SAMPLE_MS = 20;
/** Sent when the stall is about to end; the child reads on once the parent answers. */
export interface StallEnding {
  readonly stallEnding: true;
}

function readWithOurs(pull: boolean): Reader {
  const client = new GrpcClient(address!, { maxReceiveMessageLength: -1 });
  const stub = client.getService<EchoStub>(echoService);
  const request: Partial<EchoRequest> = { count };
  if (pull) {
    const iterator = stub.ServerStream.stream!(request)[Symbol.asyncIterator]();
    return {
      next: async () => { const r = await iterator.next(); return r.done === true ? undefined : r.value; },
      close: () => client.close(),
    };
  }
  // The push form: an Observable delivers as the bytes arrive; the caller's queue is what grows.
  const queue: EchoReply[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const subscription: Subscription = stub.ServerStream(request).subscribe({
    next: (reply) => { queue.push(reply); wake?.(); },
    error: () => { ended = true; wake?.(); },
    complete: () => { ended = true; wake?.(); },
  });
  return {
    next: async () => {
      while (queue.length === 0 && !ended) await new Promise<void>((resolve) => { wake = resolve; });
      return queue.shift();
    },
    close: async () => { subscription.unsubscribe(); await client.close(); },
  };
}

function readWithGrpcJs(): Reader {
  const definition = protoLoader.loadSync(ECHO_PROTO, { keepCase: true, defaults: true });
  const Echo = (grpc.loadPackageDefinition(definition).clienttest as grpc.GrpcObject).Echo as grpc.ServiceClientConstructor;
  const client = new Echo(address!, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
  const call = client.ServerStream({ count }) as grpc.ClientReadableStream<EchoReply>;
  // grpc-js's stream is a Node Readable: `for await` is its pull form.
  const iterator = call[Symbol.asyncIterator]() as AsyncIterator<EchoReply>;
  return {
    next: async () => { const r = await iterator.next(); return r.done === true ? undefined : r.value; },
    close: async () => { client.close(); },
  };
}

async function run(): Promise<MemoryReport> {
  // Load and warm the code paths first, so the baseline is the client's steady state.
  const warm = new GrpcClient(address!);
  await warm.getService<EchoStub>(echoService).Unary.promise({ text: 'warm' });
  await warm.close();
  const baselineRss = process.memoryUsage().rss;
  let peak = baselineRss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, SAMPLE_MS);
  const reader = kind === 'grpc-js' ? readWithGrpcJs() : readWithOurs(kind === 'ours-pull');
  let received = 0;
  let bytes = 0;
  const first = await reader.next();
  if (first !== undefined) { received++; bytes += first.payload.length; }
  // The caller stalls while the server would send everything it may.
  await sleep(stallMs);
  const stallPeakRss = Math.max(peak, process.memoryUsage().rss);
  // The parent counts what the server wrote while the caller still stalls, then lets it read on.
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send!({ stallEnding: true } satisfies StallEnding);
  });
  peak = stallPeakRss;
  for (let reply = await reader.next(); reply !== undefined; reply = await reader.next()) {
    received++;
    bytes += reply.payload.length;
  }
  clearInterval(sampler);
  await reader.close();
  return { baselineRss, stallPeakRss, drainPeakRss: peak, received, bytes };
}

run().then(
  (report) => process.send!(report),
  (err: unknown) => process.send!({ baselineRss: 0, stallPeakRss: 0, drainPeakRss: 0, received: 0, bytes: 0, error: String(err) }),
).finally(() => process.disconnect());
