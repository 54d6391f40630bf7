// Our spans beside @opentelemetry/instrumentation-grpc's on grpc-js, for the same calls: the same span kinds and
// gRPC statuses, the same names but for their `grpc.` prefix, and their attribute keys within ours but for the
// documented differences (README "Observability"). Theirs run in a child process (a require hook patches grpc-js
// before it loads); a second child checks that without the option @opentelemetry/api is never loaded.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { shapes } from '../server/fixtures.js';
import type { Item } from '../server/fixtures.js';
import { runScenario, summarize } from './side-by-side-scenario.js';
import type { SpanSummary } from './side-by-side-scenario.js';
import { Recording } from './telemetry-fixtures.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./instrumented-grpc-js.js', import.meta.url));
const WITHOUT_OPTION = fileURLToPath(new URL('./telemetry-off-child.js', import.meta.url));

// Their error attributes (ours carry the message in the span status), and the addresses we add to server spans.
const THEIRS_ONLY = new Set(['grpc.error_message', 'grpc.error_name']);

async function ours(): Promise<SpanSummary[]> {
  const recording = new Recording();
  const server = new GrpcServer({ telemetry: recording.options() });
  server.addService(shapes, {
    Unary: (req: Item) => {
      if (req.text === 'missing') throw new GrpcError(Status.NOT_FOUND, 'no such item');
      return { text: req.text };
    },
  });
  const port = await server.listen('127.0.0.1:0');
  const client = new GrpcClient(`127.0.0.1:${port}`, { telemetry: recording.options() });
  try {
    await runScenario({ unary: (text) => client.callForResponse(shapes.methods.get('Unary')!, { text }).then(() => undefined, () => undefined) });
    return summarize(await recording.spans(4));
  } finally {
    await client.close({ force: true });
    await server.close({ force: true });
  }
}

function key(span: SpanSummary): string {
  return `${SpanKind[span.kind]} ${String(span.grpcStatus)}`;
}

describe('side by side with @opentelemetry/instrumentation-grpc on grpc-js', { timeout: 30_000 }, () => {
  it('the same spans: kinds, statuses, names (theirs with a grpc. prefix) and attribute keys', async () => {
    const { stdout } = await run(process.execPath, [CHILD], { timeout: 20_000 });
    const theirs = JSON.parse(stdout) as SpanSummary[];
    const mine = await ours();
    assert.deepEqual(mine.map(key).sort(), theirs.map(key).sort());
    assert.deepEqual(theirs.map(key).sort(), ['CLIENT 0', 'CLIENT 5', 'SERVER 0', 'SERVER 5']);
    for (const their of theirs) {
      const our = mine.find((span) => key(span) === key(their))!;
      assert.equal(their.name, `grpc.${our.name}`);
      const missing = their.attributeKeys.filter((k) => !THEIRS_ONLY.has(k) && !our.attributeKeys.includes(k));
      assert.deepEqual(missing, [], `${key(their)}: their keys we lack`);
      const extra = our.attributeKeys.filter((k) => !their.attributeKeys.includes(k));
      const expectedExtra = their.kind === SpanKind.SERVER ? ['network.peer.address', 'network.peer.port', 'server.address', 'server.port'] : [];
      assert.deepEqual(extra, expectedExtra, `${key(their)}: keys only we set`);
      // Both mark a client's non-OK call ERROR; for NOT_FOUND on the server they say ERROR, the conventions (and we) UNSET.
      if (their.kind === SpanKind.CLIENT || their.grpcStatus === Status.OK) assert.equal(our.statusCode, their.statusCode);
      else assert.deepEqual([our.statusCode, their.statusCode], [SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    }
  });

  it('without the telemetry option, serving and calling never loads @opentelemetry/api', async () => {
    const { stdout } = await run(process.execPath, [WITHOUT_OPTION], { timeout: 20_000 });
    assert.deepEqual(JSON.parse(stdout), { reply: 'hello', loaded: [] });
  });
});
