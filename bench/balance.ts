// Unary calls per second under round_robin over three server processes, each client given the same target
// (ipv4: list) and service config: the cost of picking a subchannel per call, ours against grpc-js's.
import { LOOPBACK } from './bench-proto.js';
import type { ClientKind } from './kinds.js';
import { spawnServer } from './server.js';
import { unaryRate } from './workloads.js';
import type { Budget, Reading } from './workloads.js';

export const BALANCED_WORKLOAD = 'unary round_robin x3 c=32';
const SERVICE_CONFIG = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });
const SERVERS = 3;
const CONCURRENCY = 32;

/** One figure per client kind: three `serverKind` servers (pinned to `cpu` when given) behind one balanced client. */
export async function balancedUnary(clients: readonly ClientKind[], serverKind: string, budget: Budget, cpu: number | undefined,
  record: (driver: string, server: string, readings: readonly Reading[]) => void): Promise<void> {
  const children = await Promise.all(Array.from({ length: SERVERS }, () => spawnServer(serverKind, { cpu })));
  try {
    const target = `ipv4:${children.map((child) => `${LOOPBACK}:${child.port}`).join(',')}`;
    for (const kind of clients) {
      const client = kind.connect(target, SERVICE_CONFIG);
      try {
        const value = await unaryRate(client, CONCURRENCY, budget);
        record(kind.name, `${serverKind} x${SERVERS}`, [{ workload: BALANCED_WORKLOAD, unit: 'req/s', value }]);
      } finally {
        await client.close();
      }
    }
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}
