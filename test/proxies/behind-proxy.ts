// The proxy suites' frame: a proxy process in front of three standalone backends, the pass-through scenarios
// once per client kind (grpc-js and ours, same assertions), then a backend's graceful drain under load; and a
// second proxy in front of one backend hosted by Nest. A proxy that cannot be had is one skipped case, or a
// failure under CI=true, where .ci/run must have installed it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import healthCheck from 'grpc-health-check';
import { GrpcClient, loadProtos, toGrpcError } from '../../lib/index.js';
import type { MethodDescriptor } from '../../lib/index.js';
import { createGrpcJsClient } from '../equivalence/grpc-js-client.js';
import { createOurClient } from '../equivalence/our-client.js';
import { check as grpcJsCheck, healthClient } from '../services/health-fixtures.js';
import { startBackends, startNestBackend } from './backends.js';
import type { Backend } from './backends.js';
import { drainScenario } from './drain.js';
import { passThroughScenarios } from './pass-through.js';
import type { ScenarioScope, ThroughProxy } from './pass-through.js';
import { findProxyBinary } from './proxy-binary.js';
import { startProxy } from './proxy-process.js';
import type { ProxyName, RunningProxy } from './proxy-process.js';

const SETUP_TIMEOUT = { timeout: 30_000 };
type HealthCheck = (service: string) => Promise<string | number>;
interface Closable { close(): Promise<void> }

/** A Check with our GrpcClient, against grpc-health-check's own health.proto. */
function ourHealthCheck(address: string): Closable & { check: HealthCheck } {
  const client = new GrpcClient(address);
  const method = loadProtos(healthCheck.protoPath).service('grpc.health.v1.Health').methods.get('Check') as
    MethodDescriptor<{ service: string }, { status: string }>;
  const check: HealthCheck = (service) => client.callForResponse(method, { service }, { timeout: 5000 })
    .then((reply) => reply.status, (err: unknown) => toGrpcError(err).code);
  return { check, close: () => client.close({ force: true }) };
}

function grpcJsHealthCheck(address: string): Closable & { check: HealthCheck } {
  const client = healthClient(address);
  return { check: (service) => grpcJsCheck(client, service), close: async () => client.close() };
}

const CLIENT_KINDS = [
  { name: 'grpc-js', create: createGrpcJsClient, health: grpcJsHealthCheck },
  { name: 'ours', create: createOurClient, health: ourHealthCheck },
] as const;

/** A proxy in front of backends started in before(), everything stopped in after(); clients join `closers`. */
function proxySetup(name: ProxyName, start: () => Promise<Backend[]>) {
  const setup = {
    backends: [] as Backend[],
    proxy: undefined as RunningProxy | undefined,
    closers: [] as Closable[],
    address(): string {
      assert.ok(setup.proxy, `${name} is running`);
      return setup.proxy.address;
    },
  };
  before(async () => {
    setup.backends = await start();
    setup.proxy = await startProxy(name, setup.backends.map((b) => b.address));
  }, SETUP_TIMEOUT);
  after(async () => {
    await Promise.allSettled(setup.closers.map((c) => c.close()));
    await setup.proxy?.stop();
    await Promise.all(setup.backends.map((b) => b.stop()));
  }, SETUP_TIMEOUT);
  return setup;
}

function describeClients(name: ProxyName, setup: ReturnType<typeof proxySetup>, label: string, scope: ScenarioScope): void {
  for (const kind of CLIENT_KINDS) {
    describe(`proxy=${name} ${label}client=${kind.name}`, () => {
      let through: ThroughProxy | undefined;
      before(() => {
        const client = kind.create(setup.address());
        const health = kind.health(setup.address());
        setup.closers.push(client, health);
        through = { client, backends: setup.backends, check: health.check };
      });
      passThroughScenarios(() => {
        assert.ok(through);
        return through;
      }, kind.name, scope);
    });
  }
}

export function describeBehindProxy(name: ProxyName): void {
  const binary = findProxyBinary(name);
  if ('missing' in binary) {
    // One case, so the run's summary counts it as skipped (a skipped suite counts nothing); under CI a failure.
    if (process.env.CI === 'true') it(`behind ${name}: ${name} is installed (.ci/run installs it)`, () => assert.fail(binary.missing));
    else it(`behind ${name}`, { skip: binary.missing }, () => {});
    return;
  }

  describe(`behind ${name}: three GrpcServers`, () => {
    const setup = proxySetup(name, () => startBackends(3));
    describeClients(name, setup, '', { spread: true, health: true });
    describe(`proxy=${name} drain`, () => {
      drainScenario(() => ({
        backends: setup.backends,
        proxyLog: () => setup.proxy?.log() ?? '',
        retire: (backend) => setup.proxy?.retire(backend) ?? Promise.resolve(false),
        clients: CLIENT_KINDS.map((kind) => {
          const client = kind.create(setup.address());
          setup.closers.push(client);
          return { name: kind.name, client };
        }),
      }));
    });
  });

  describe(`behind ${name}: a Nest microservice (GrpcTransportStrategy)`, () => {
    const setup = proxySetup(name, async () => [await startNestBackend('nest')]);
    describeClients(name, setup, 'backend=nest ', { spread: false, health: false });
  });
}
