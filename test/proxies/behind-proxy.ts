// The proxy suites' frame: three backends and one proxy process per file, the pass-through scenarios once per
// client kind (grpc-js and ours, same assertions), then a backend's graceful drain under load.
// A proxy that cannot be had skips visibly, or fails under CI=true, where .ci/run must have installed it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import healthCheck from 'grpc-health-check';
import { GrpcClient, loadProtos, toGrpcError } from '../../lib/index.js';
import type { MethodDescriptor } from '../../lib/index.js';
import type { ExampleClient } from '../equivalence/example-client.js';
import { createGrpcJsClient } from '../equivalence/grpc-js-client.js';
import { createOurClient } from '../equivalence/our-client.js';
import { check as grpcJsCheck, healthClient } from '../services/health-fixtures.js';
import { startBackends } from './backends.js';
import type { Backend } from './backends.js';
import { drainScenario } from './drain.js';
import { passThroughScenarios } from './pass-through.js';
import type { ThroughProxy } from './pass-through.js';
import { findProxyBinary } from './proxy-binary.js';
import { startProxy } from './proxy-process.js';
import type { ProxyName, RunningProxy } from './proxy-process.js';

const SETUP_TIMEOUT = { timeout: 30_000 };
type HealthCheck = (service: string) => Promise<string | number>;

/** A Check with our GrpcClient, against grpc-health-check's own health.proto. */
function ourHealthCheck(address: string): { check: HealthCheck; close(): Promise<void> } {
  const client = new GrpcClient(address);
  const method = loadProtos(healthCheck.protoPath).service('grpc.health.v1.Health').methods.get('Check') as
    MethodDescriptor<{ service: string }, { status: string }>;
  const check: HealthCheck = (service) => client.callForResponse(method, { service }, { timeout: 5000 })
    .then((reply) => reply.status, (err: unknown) => toGrpcError(err).code);
  return { check, close: () => client.close({ force: true }) };
}

function grpcJsHealthCheck(address: string): { check: HealthCheck; close(): Promise<void> } {
  const client = healthClient(address);
  return { check: (service) => grpcJsCheck(client, service), close: async () => client.close() };
}

const CLIENT_KINDS = [
  { name: 'grpc-js', create: createGrpcJsClient, health: grpcJsHealthCheck },
  { name: 'ours', create: createOurClient, health: ourHealthCheck },
] as const;

export function describeBehindProxy(name: ProxyName): void {
  const binary = findProxyBinary(name);
  if ('missing' in binary) {
    // One case, so the run's summary counts it as skipped (a skipped suite counts nothing); under CI a failure.
    if (process.env.CI === 'true') it(`behind ${name}: ${name} is installed (.ci/run installs it)`, () => assert.fail(binary.missing));
    else it(`behind ${name}`, { skip: binary.missing }, () => {});
    return;
  }
  describe(`behind ${name}`, () => {
    let backends: Backend[] = [];
    let proxy: RunningProxy | undefined;
    const closers: Array<() => Promise<void>> = [];
    before(async () => {
      backends = await startBackends(3);
      proxy = await startProxy(name, backends.map((b) => b.address));
    }, SETUP_TIMEOUT);
    after(async () => {
      await Promise.allSettled(closers.map((close) => close()));
      await proxy?.stop();
      await Promise.all(backends.map((b) => b.server.close({ force: true })));
    }, SETUP_TIMEOUT);
    const proxyAddress = (): string => {
      assert.ok(proxy, `${name} is running`);
      return proxy.address;
    };

    for (const kind of CLIENT_KINDS) {
      describe(`proxy=${name} client=${kind.name}`, () => {
        let through: ThroughProxy | undefined;
        before(() => {
          const client: ExampleClient = kind.create(proxyAddress());
          const health = kind.health(proxyAddress());
          closers.push(() => client.close(), health.close);
          through = { client, backends, check: health.check };
        });
        passThroughScenarios(() => {
          assert.ok(through);
          return through;
        }, kind.name);
      });
    }

    describe(`proxy=${name} drain`, () => {
      drainScenario(() => ({
        backends,
        proxyLog: () => proxy?.log() ?? '',
        retire: (backend) => proxy?.retire(backend) ?? Promise.resolve(false),
        clients: CLIENT_KINDS.map((kind) => {
          const client = kind.create(proxyAddress());
          closers.push(() => client.close());
          return { name: kind.name, client };
        }),
      }));
    });
  });
}
