// A @grpc/grpc-js Echo server for the client tests; EchoRequest.mode picks each call's behaviour,
// and every call leaves a record (metadata seen, cancelled or not) for the tests to assert on.

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { grpcJsServerCredentials } from '../fixtures/tls.js';
import type { ServerTls } from '../fixtures/tls.js';

export const ECHO_PROTO = fileURLToPath(new URL('../../../test/client/protos/echo.proto', import.meta.url));

export interface EchoRequest { text: string; count: number; size: number; mode: string }
export interface EchoReply { text: string; index: number; payload: Buffer }

/** What the server saw of one call. */
export interface CallRecord {
  method: string;
  metadata: grpc.Metadata;
  requests: EchoRequest[];
  cancelled: boolean;
  /** Resolves when the server saw the call cancelled (client RST or deadline). */
  cancelledSignal: Promise<void>;
}

export interface EchoServer {
  port: number;
  address: string;
  calls: CallRecord[];
  stop(): Promise<void>;
}

const definition = protoLoader.loadSync(ECHO_PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
const echoService = (grpc.loadPackageDefinition(definition).clienttest as grpc.GrpcObject).Echo as grpc.ServiceClientConstructor;

type AnyCall = grpc.ServerUnaryCall<EchoRequest, EchoReply> | grpc.ServerReadableStream<EchoRequest, EchoReply>
  | grpc.ServerWritableStream<EchoRequest, EchoReply> | grpc.ServerDuplexStream<EchoRequest, EchoReply>;

function record(calls: CallRecord[], method: string, call: AnyCall): CallRecord {
  let markCancelled = (): void => undefined;
  const rec: CallRecord = {
    method, metadata: call.metadata, requests: [], cancelled: false,
    cancelledSignal: new Promise((resolve) => { markCancelled = resolve; }),
  };
  (call as grpc.ServerUnaryCall<EchoRequest, EchoReply>).on('cancelled', () => { rec.cancelled = true; markCancelled(); });
  calls.push(rec);
  return rec;
}

function reply(text: string, index = 0, size = 0): EchoReply {
  return { text, index, payload: Buffer.alloc(size, index % 256) };
}

function trailer(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-trailer', 'bye');
  md.set('x-trailer-bin', Buffer.from([1, 2, 3]));
  return md;
}

/** Behaviour shared by the unary-response methods, given the collected request(s). */
function answer(call: AnyCall, req: EchoRequest, text: string, callback: grpc.sendUnaryData<EchoReply>): void {
  switch (req.mode) {
    case 'hang': return;
    case 'error':
      callback({ code: grpc.status.NOT_FOUND, details: 'no such thing: ünïcode', metadata: trailer() });
      return;
    case 'metadata': {
      const initial = new grpc.Metadata();
      initial.set('x-initial', 'hello');
      initial.set('x-initial-bin', Buffer.from([0xde, 0xad]));
      call.sendMetadata(initial);
      callback(null, reply(text), trailer());
      return;
    }
    case 'echo-metadata': {
      const seen = call.metadata.getMap();
      const text2 = Object.keys(seen).sort().map((k) => `${k}=${Buffer.isBuffer(seen[k]) ? (seen[k] as Buffer).toString('hex') : String(seen[k])}`).join(';');
      callback(null, reply(text2));
      return;
    }
    default: callback(null, reply(text, 0, req.size));
  }
}

function handlers(calls: CallRecord[]): grpc.UntypedServiceImplementation {
  return {
    Unary(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) {
      const rec = record(calls, 'Unary', call);
      rec.requests.push(call.request);
      answer(call, call.request, call.request.text, callback);
    },
    ClientStream(call: grpc.ServerReadableStream<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) {
      const rec = record(calls, 'ClientStream', call);
      call.on('data', (req: EchoRequest) => rec.requests.push(req));
      call.on('end', () => {
        const last = rec.requests.at(-1) ?? { text: '', count: 0, size: 0, mode: '' };
        answer(call, last, rec.requests.map((r) => r.text).join(','), callback);
      });
    },
    ServerStream(call: grpc.ServerWritableStream<EchoRequest, EchoReply>) {
      const rec = record(calls, 'ServerStream', call);
      const req = call.request;
      rec.requests.push(req);
      for (let i = 0; i < req.count; i++) call.write(reply(`${req.text}-${i}`, i, req.size));
      if (req.mode === 'hang') return;
      if (req.mode === 'error') call.emit('error', { code: grpc.status.ABORTED, details: 'stream broke', metadata: trailer() });
      else call.end(trailer());
    },
    Bidi(call: grpc.ServerDuplexStream<EchoRequest, EchoReply>) {
      const rec = record(calls, 'Bidi', call);
      let i = 0;
      call.on('data', (req: EchoRequest) => {
        rec.requests.push(req);
        call.write(reply(req.text.toUpperCase(), i++, req.size));
      });
      call.on('end', () => call.end());
    },
  };
}

/** Starts a server on 127.0.0.1 (port 0 = any free port), serving TLS with the test certificates when `tls` is set. */
export function startEchoServer(port = 0, options: grpc.ServerOptions = {}, tls?: ServerTls): Promise<EchoServer> {
  const server = new grpc.Server(options);
  const calls: CallRecord[] = [];
  server.addService(echoService.service, handlers(calls));
  return new Promise((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpcJsServerCredentials(tls), (err, bound) => {
      if (err !== null) return reject(err);
      resolve({
        port: bound,
        address: `127.0.0.1:${bound}`,
        calls,
        stop: () => new Promise<void>((done) => { server.forceShutdown(); done(); }),
      });
    });
  });
}
