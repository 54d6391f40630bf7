// The backends behind the proxy: our GrpcServer serving the equivalence suite's example service with health on,
// each with its own Recorder, so a scenario can tell which backend served a call and what it saw.
import { GrpcServer } from '../../lib/index.js';
import { createExampleService } from '../equivalence/example-service.js';
import { hostExampleInNest } from '../equivalence/nest-adapter.js';
import { loadOurService, toOurHandler } from '../equivalence/our-adapter.js';
import { Recorder } from '../equivalence/recorder.js';
import type { CallRecord } from '../equivalence/recorder.js';
import { setTimeout as delay } from 'node:timers/promises';

/** Over the clients' 8 MiB receive limit, so an 8 MiB request is refused by no backend. */
const BACKEND_MAX_RECEIVE = 16 * 1024 * 1024;

export interface Backend {
  readonly name: string;
  readonly address: string;
  readonly recorder: Recorder;
  /** Graceful: GrpcServer.close(), open calls finish. */
  close(): Promise<void>;
  /** Closes by force, for after(). */
  stop(): Promise<void>;
}

export async function startBackend(name: string): Promise<Backend> {
  const recorder = new Recorder();
  const server = new GrpcServer({ health: true, maxReceiveMessageLength: BACKEND_MAX_RECEIVE });
  const service = loadOurService();
  for (const [method, impl] of Object.entries(createExampleService(recorder))) {
    server.addMethod(service.methods.get(method)!, toOurHandler(impl));
  }
  const port = await server.listen('127.0.0.1:0');
  return { name, address: `127.0.0.1:${port}`, recorder, close: () => server.close(), stop: () => server.close({ force: true }) };
}

/** The same service under Nest (GrpcTransportStrategy, as the equivalence matrix hosts it; health off). */
export async function startNestBackend(name: string): Promise<Backend> {
  const recorder = new Recorder();
  const host = await hostExampleInNest(createExampleService(recorder), BACKEND_MAX_RECEIVE);
  return { name, address: host.address, recorder, close: () => host.stop(), stop: () => host.stop() };
}

export function startBackends(count: number): Promise<Backend[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startBackend(`backend-${i}`)));
}

/** The calls every backend recorded that match, with the backend's name. */
export function recordedCalls(backends: readonly Backend[], match: (call: CallRecord) => boolean): Array<CallRecord & { backend: string }> {
  return backends.flatMap((backend) => backend.recorder.calls.filter(match).map((call) => ({ ...call, backend: backend.name })));
}

/** Polls every backend until one recorded a matching call; fails after timeoutMs with what they recorded. */
export async function waitForCall(backends: readonly Backend[], match: (call: CallRecord) => boolean, timeoutMs = 3000): Promise<CallRecord> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    for (const backend of backends) {
      const found = backend.recorder.calls.find(match);
      if (found !== undefined) return found;
    }
    if (Date.now() > until) {
      const seen = recordedCalls(backends, () => true).map(({ backend, method, tag, finished, cancelled }) =>
        ({ backend, method, tag, finished, cancelled }));
      throw new Error(`no backend recorded a matching call within ${timeoutMs} ms; recorded: ${JSON.stringify(seen)}`);
    }
    await delay(5);
  }
}
