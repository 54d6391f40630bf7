// A call's deadline passing mid-call, for every call shape, against a raw server that ignores grpc-timeout: only the
// client's own timer can end the call, and it must report DEADLINE_EXCEEDED (not CANCELLED), as grpc-js does.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import type { ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { concat, NEVER, of } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { StatusInfo } from '../../lib/protocol/trailers.js';
import type { EchoReply, EchoRequest } from './echo-server.js';
import { CANCEL_SEEN_MS, OUTCOME_WAIT_MS, SUITE_TIMEOUT_MS, echoMethod, echoService, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';
import { GRPC_OK_HEADERS, startRawServer } from './raw-server.js';
import type { RawServer } from './raw-server.js';

const DEADLINE_MS = 200;
type Shape = 'Unary' | 'ClientStream' | 'ServerStream' | 'Bidi';
/** How many responses the server sends before it stops answering; the client must deliver them all first. */
const SENT: Record<Shape, number> = { Unary: 0, ClientStream: 0, ServerStream: 2, Bidi: 1 };

/** How a call ended, whichever client made it. */
interface Outcome {
  code: Status;
  message: string;
  received: number;
}

interface DeadlineClient {
  /** Starts a call of `shape` with a deadline; request streams stay open, so the deadline passes mid-call. */
  call(shape: Shape): Promise<Outcome>;
  close(): Promise<void>;
}

function ours(address: string): DeadlineClient {
  const client = new GrpcClient(address);
  const stub = client.getService<EchoStub>(echoService);
  const open = concat(of({ text: 'a' }), NEVER);
  return {
    call(shape) {
      let status: StatusInfo | undefined;
      const options = { timeout: DEADLINE_MS, onStatus: (s: StatusInfo) => { status = s; } };
      const calls: Record<Shape, () => Observable<EchoReply>> = {
        Unary: () => stub.Unary({ text: 'a' }, options),
        ClientStream: () => stub.ClientStream(open, options),
        ServerStream: () => stub.ServerStream({ text: 'a' }, options),
        Bidi: () => stub.Bidi(open, options),
      };
      return new Promise((resolve, reject) => {
        let received = 0;
        calls[shape]().subscribe({
          next: () => { received++; },
          error: (err: unknown) => {
            if (!(err instanceof GrpcError)) return reject(err);
            assert.equal(status?.code, err.code, 'onStatus sees the status the subscriber gets');
            resolve({ code: err.code, message: err.message, received });
          },
          complete: () => reject(new Error('the call completed')),
        });
      });
    },
    close: () => client.close({ force: true }),
  };
}

function grpcJs(address: string): DeadlineClient {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    call(shape) {
      const method = echoMethod(shape);
      const serialize = (value: Partial<EchoRequest>): Buffer => method.serializeRequest(value);
      const deserialize = (bytes: Buffer): EchoReply => method.deserializeResponse(bytes) as EchoReply;
      const options: grpc.CallOptions = { deadline: Date.now() + DEADLINE_MS };
      const metadata = new grpc.Metadata();
      return new Promise((resolve) => {
        let received = 0;
        const done = (err: grpc.ServiceError | null): void => {
          if (err !== null) resolve({ code: err.code, message: err.details, received });
        };
        if (shape === 'Unary') {
          client.makeUnaryRequest(method.path, serialize, deserialize, { text: 'a' }, metadata, options, done);
        } else if (shape === 'ClientStream') {
          client.makeClientStreamRequest(method.path, serialize, deserialize, metadata, options, done).write({ text: 'a' });
        } else {
          const call = shape === 'ServerStream'
            ? client.makeServerStreamRequest(method.path, serialize, deserialize, { text: 'a' }, metadata, options)
            : client.makeBidiStreamRequest(method.path, serialize, deserialize, metadata, options);
          if (shape === 'Bidi') (call as grpc.ClientDuplexStream<Partial<EchoRequest>, EchoReply>).write({ text: 'a' });
          call.on('data', () => { received++; });
          call.on('error', done);
        }
      });
    },
    close: async () => client.close(),
  };
}

describe('a deadline that passes mid-call', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: RawServer;
  before(async () => { server = await startRawServer(); });
  after(() => server.stop());

  /** Answers headers and SENT[shape] responses, then neither ends nor resets: only the client's deadline ends the call. */
  function stallAfterResponses(shape: Shape): Promise<{ timeout: unknown; rstCode: number | undefined }> {
    const reply = encodeFrame(echoMethod(shape).serializeResponse({ text: 'r' }), false);
    return new Promise((resolve) => {
      server.handle((stream: ServerHttp2Stream, headers) => {
        stream.on('close', () => resolve({ timeout: headers['grpc-timeout'], rstCode: stream.rstCode }));
        stream.respond(GRPC_OK_HEADERS);
        for (let i = 0; i < SENT[shape]; i++) stream.write(reply);
      });
    });
  }

  for (const { name, make } of [{ name: 'ours', make: ours }, { name: 'grpc-js', make: grpcJs }]) {
    for (const shape of ['Unary', 'ClientStream', 'ServerStream', 'Bidi'] as const) {
      it(`client=${name} > ${shape}: DEADLINE_EXCEEDED after the responses sent, and RST_STREAM CANCEL`, async () => {
        const client = make(server.address);
        try {
          const seen = stallAfterResponses(shape);
          const outcome = await within(OUTCOME_WAIT_MS, client.call(shape), `${shape} call`);
          assert.equal(Status[outcome.code], Status[Status.DEADLINE_EXCEEDED]);
          // grpc-js appends timings ('Deadline exceeded after 0.201s,...').
          assert.match(outcome.message, /^Deadline exceeded/);
          assert.equal(outcome.received, SENT[shape]);
          const { timeout, rstCode } = await within(CANCEL_SEEN_MS, seen, 'server stream close');
          assert.match(String(timeout), /^\d{1,8}[HMSmun]$/);
          assert.equal(rstCode, constants.NGHTTP2_CANCEL);
        } finally {
          await client.close();
        }
      });
    }
  }
});
