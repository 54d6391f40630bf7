// The server the bad-input tests attack: our GrpcServer serving protos/probe.proto, with handlers that record
// what they saw (messages, replies, their AbortSignal) in a CallLog keyed by the request's x-tag header.
import type { ServerHttp2Stream } from 'node:http2';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { concatMap, of, tap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { encodeFrame, FrameDecoder } from '../../lib/protocol/framing.js';
import type { CallContext } from '../../lib/server/call-context.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import type { ServerOptions } from '../../lib/server/grpc-server.js';
import { loadProtos } from '../../lib/schema/load-protos.js';
import { CallLog } from './call-log.js';

export interface ProbeRequest { text: string; delay_ms: number; count: number; payload: Buffer }
export interface ProbeReply { text: string; index: number; payload: Buffer }

const PROTO = fileURLToPath(new URL('../../../test/bad-input/protos/probe.proto', import.meta.url));
const service = loadProtos(PROTO).service('badinput.Probe');
const echoMethod = service.methods.get('Echo')!;

/** Request paths of the probe service. */
export const PROBE_PATHS = { echo: '/badinput.Probe/Echo', collect: '/badinput.Probe/Collect', slow: '/badinput.Probe/Slow' } as const;

/** A running probe server, its call log, and the server-side stream of each tagged call. */
export interface ProbeServer {
  readonly port: number;
  readonly log: CallLog;
  readonly serverStreams: ReadonlyMap<string, ServerHttp2Stream>;
  /** Graceful close; rejects (after forcing it) when a call is still open after `timeoutMs`: a leaked call. */
  close(timeoutMs?: number): Promise<void>;
}

/** Starts a probe server on 127.0.0.1, on a free port. */
export async function startProbeServer(options?: ServerOptions): Promise<ProbeServer> {
  const log = new CallLog();
  const server = new GrpcServer(options);
  server.addService(service, {
    Echo: async (request, context) => {
      const { text, delay_ms, payload } = request as ProbeRequest;
      log.begin(context);
      await sleep(delay_ms, context.signal);
      return { text: `echo:${text}`, payload };
    },
    Collect: (requests, context) => {
      const record = log.begin(context);
      return (requests as Observable<ProbeRequest>).pipe(
        tap(() => log.update(record, () => record.messages++)),
        toArray(),
        // Works for the longest delay_ms asked after the client half-closed, so a test can reset it meanwhile;
        // without a delay it answers synchronously at half-close, the way a plain reducing handler does.
        concatMap((all) => {
          const reply = { text: all.map((one) => one.text).join(',') };
          const delay = Math.max(0, ...all.map((one) => one.delay_ms));
          return delay > 0 ? sleep(delay, context.signal).then(() => reply) : of(reply);
        }),
      );
    },
    Slow: (request, context) => slowReplies(request as ProbeRequest, context, log),
  });
  const port = await server.listen('127.0.0.1:0');
  const serverStreams = new Map<string, ServerHttp2Stream>();
  server.http2Server!.on('stream', (stream: ServerHttp2Stream, headers) => {
    const tag = headers['x-tag'];
    if (typeof tag === 'string') serverStreams.set(tag, stream);
  });
  const close = async (timeoutMs = 3000): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const leaked = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), timeoutMs); });
    const drained = server.close().then(() => false);
    const timedOut = await Promise.race([drained, leaked]);
    clearTimeout(timer);
    if (timedOut) {
      await server.close({ force: true });
      throw new Error(`The server did not drain within ${timeoutMs} ms: a call was left open`);
    }
  };
  return { port, log, serverStreams, close };
}

async function* slowReplies(request: ProbeRequest, context: CallContext, log: CallLog): AsyncGenerator<ProbeReply> {
  const record = log.begin(context);
  try {
    for (let index = 0; index < request.count && !context.signal.aborted; index++) {
      yield { text: request.text, index, payload: request.payload };
      log.update(record, () => record.replies++);
      await sleep(request.delay_ms, context.signal);
    }
  } finally {
    log.update(record, () => { record.finished = true; });
  }
}

/** Resolves after `ms`, or at once when `signal` fires, so handlers stop promptly on cancellation. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A framed ProbeRequest; gzip-compressed with the compressed flag set when asked. */
export function frameRequest(value: Partial<ProbeRequest>, compression?: 'gzip'): Buffer {
  const bytes = echoMethod.serializeRequest(value);
  return compression === 'gzip' ? encodeFrame(gzipSync(bytes), true) : encodeFrame(bytes, false);
}

/** The ProbeReply messages in an uncompressed response body. */
export function decodeReplies(body: Buffer): ProbeReply[] {
  const frames = new FrameDecoder().push(body);
  if (!Array.isArray(frames)) throw frames;
  return frames.map((frame) => echoMethod.deserializeResponse(frame.data) as ProbeReply);
}
