// The table runner: each bad request goes out beside a healthy unary call on the same HTTP/2 session, and
// both answers are checked: the bad one gets its status, the healthy one still gets OK and its reply.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseEncodingList } from '../../lib/protocol/compression.js';
import { Status, statusName } from '../../lib/protocol/status.js';
import type { ServerOptions } from '../../lib/server/grpc-server.js';
import { decodeReplies, frameRequest, PROBE_PATHS, startProbeServer } from './probe-server.js';
import { rawSuite } from './raw-client.js';
import type { RawClient, RawResponse } from './raw-client.js';

/** One malformed request and what the server must answer. */
export interface BadCase {
  readonly name: string;
  /** Default: the unary Echo method. */
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body: readonly Buffer[];
  /** Half-close after the body; default true. */
  readonly endStream?: boolean;
  /** Default 200. */
  readonly httpStatus?: number;
  /** undefined: the response must carry no grpc-status at all (a plain HTTP error). */
  readonly grpcStatus: Status | undefined;
  readonly trailersOnly?: boolean;
  /** Response messages are allowed (a stream that fails midway); by default an error carries none. */
  readonly allowBody?: boolean;
  readonly check?: (response: RawResponse) => void;
}

/** Every bad case gets a bound: a server that hangs fails the test instead of the run. */
export const CASE_TIMEOUT_MS = 10_000;
const HEALTHY_DELAY_MS = 25;

/** A unary Echo call that must succeed; started first, so it is in flight while the bad request is handled. */
export async function expectHealthyEcho(client: RawClient, text: string): Promise<void> {
  const response = await client.request({ path: PROBE_PATHS.echo, body: [frameRequest({ text, delay_ms: HEALTHY_DELAY_MS })] });
  assert.equal(response.httpStatus, 200, `healthy call: HTTP ${response.httpStatus}`);
  assert.equal(response.grpcStatus, Status.OK, `healthy call: ${describeStatus(response)}`);
  assert.deepEqual(decodeReplies(response.body).map((reply) => reply.text), [`echo:${text}`]);
}

/** Sends `badCase` beside a healthy call on the same session and checks both answers. */
export async function runBadCase(client: RawClient, badCase: BadCase): Promise<RawResponse> {
  const healthy = expectHealthyEcho(client, `beside ${badCase.name}`);
  const bad = client.request({
    path: badCase.path ?? PROBE_PATHS.echo,
    headers: badCase.headers,
    body: badCase.body,
    endStream: badCase.endStream,
    timeoutMs: CASE_TIMEOUT_MS / 2,
  });
  const [response] = await Promise.all([bad, healthy]);
  assert.equal(response.httpStatus, badCase.httpStatus ?? 200, `HTTP status; ${describeStatus(response)}`);
  assert.equal(response.grpcStatus, badCase.grpcStatus,
    `expected ${badCase.grpcStatus === undefined ? 'no grpc-status' : statusName(badCase.grpcStatus)}, got ${describeStatus(response)}`);
  if (badCase.trailersOnly !== undefined) assert.equal(response.trailersOnly, badCase.trailersOnly, 'trailers-only');
  if (badCase.grpcStatus !== Status.OK && badCase.allowBody !== true) {
    assert.equal(response.body.length, 0, 'an error response carries no message');
  }
  badCase.check?.(response);
  return response;
}

/** One describe block: a fresh probe server and one raw session shared by every case, both closed after. */
export function describeBadCases(title: string, cases: readonly BadCase[], options?: ServerOptions): void {
  describe(title, { timeout: 60_000 }, () => {
    const raw = rawSuite(() => startProbeServer(options));
    after(() => {
      assert.deepEqual(raw.client?.sessionErrors ?? [], [], 'no session errors on the shared connection');
    });
    for (const badCase of cases) {
      it(badCase.name, { timeout: CASE_TIMEOUT_MS }, async () => {
        await runBadCase(raw.client, badCase);
      });
    }
  });
}

/** Asserts the response advertises exactly the encodings the spec lets a client retry with. */
export function assertAcceptsStandardEncodings(response: RawResponse): void {
  const header = response.trailers?.['grpc-accept-encoding'] ?? response.headers['grpc-accept-encoding'];
  assert.deepEqual(parseEncodingList(header).sort(), ['deflate', 'gzip', 'identity']);
}

/** A 5-byte gRPC prefix with any flag byte and length, for frames the encoder would never produce. */
export function rawPrefix(flag: number, length: number): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = flag;
  prefix.writeUInt32BE(length, 1);
  return prefix;
}

function describeStatus(response: RawResponse): string {
  const code = response.grpcStatus;
  return `${code === undefined ? 'no grpc-status' : statusName(code)} "${response.grpcMessage ?? ''}" (HTTP ${response.httpStatus}, rst ${response.rstCode})`;
}
