// The five-byte attack from a raw node:http2 peer: many streams on a few connections, each sending the headers of
// a call and a lone 5-byte prefix announcing a large message, then nothing; and a healthy call to check service.
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { rawPrefix } from '../bad-input/bad-case.js';
import { RawClient } from '../bad-input/raw-client.js';
import type { OpenRequest } from '../bad-input/raw-client.js';
import { loadOurService } from '../equivalence/our-adapter.js';
import type { ExampleReply, RequestInit } from '../equivalence/example-service.js';
import type { MethodDescriptor } from '../../lib/schema/descriptors.js';

const unary = loadOurService().methods.get('unary_unary') as MethodDescriptor<RequestInit, ExampleReply>;
/** The example service's unary method, which reads its whole request message before the handler runs. */
export const UNARY_PATH = unary.path;

/** Streams left waiting for bodies that never come, and how to end them. */
export interface PrefixFlood {
  readonly peers: readonly RawClient[];
  readonly requests: readonly OpenRequest[];
  /** Resets every stream (RST_STREAM CANCEL), waits for each to close, then closes the connections. */
  reset(): Promise<void>;
}

/** Opens `perConnection` streams on each of `connections` connections, each sending only a prefix announcing `announced` bytes. */
export async function floodWithPrefixes(port: number, connections: number, perConnection: number, announced: number): Promise<PrefixFlood> {
  const peers = await Promise.all(Array.from({ length: connections }, () => RawClient.connect(port)));
  const requests = peers.flatMap((peer) => Array.from({ length: perConnection }, () =>
    peer.open({ path: UNARY_PATH, body: [rawPrefix(0, announced)], endStream: false, timeoutMs: 60_000 })));
  // The response promises settle when the streams close; a rejection (timeout) must not go unhandled meanwhile.
  const closed = requests.map((request) => request.response.then(() => undefined, () => undefined));
  // A PING is answered after every frame before it on the connection was processed: all prefixes reached the server.
  await Promise.all(peers.map(ping));
  return {
    peers,
    requests,
    async reset() {
      for (const request of requests) if (!request.stream.closed) request.stream.close(constants.NGHTTP2_CANCEL);
      await Promise.all(closed);
      await Promise.all(peers.map((peer) => peer.close()));
    },
  };
}

function ping(peer: RawClient): Promise<void> {
  return new Promise((resolve, reject) => {
    peer.session.ping((err) => (err === null ? resolve() : reject(err)));
  });
}

/** A unary call on a fresh connection: it must be answered OK with its reply. */
export async function expectHealthyCall(port: number, value: string): Promise<void> {
  const peer = await RawClient.connect(port);
  try {
    const frame = unary.serializeRequest({ value }, 5);
    frame[0] = 0;
    frame.writeUInt32BE(frame.length - 5, 1);
    const response = await peer.request({ path: UNARY_PATH, body: [frame], timeoutMs: 10_000 });
    assert.equal(response.grpcStatus, 0, `healthy call: grpc-status ${response.grpcStatus} "${response.grpcMessage}"`);
    assert.equal(unary.deserializeResponse(response.body.subarray(5)).message, value);
  } finally {
    await peer.close();
  }
}
