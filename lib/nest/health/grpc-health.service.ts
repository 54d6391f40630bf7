// GrpcHealthService: the serving statuses grpc.health.v1 reports, settable from any provider (a readiness check,
// a dependency going down), applied to the app's GrpcTransportStrategy with `health` on, even one that listens later.
import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import type { GrpcHealth, ServingStatus } from '../../services/health/grpc-health.js';
import { attachedHealth, onHealthAttached } from './health-registry.js';

/** Sets and reads the health statuses of the gRPC server(s) of this process. */
@Injectable()
export class GrpcHealthService implements OnModuleDestroy {
  // What the app chose, replayed onto a strategy that starts listening after it was set.
  readonly #chosen = new Map<string, ServingStatus>();
  readonly #unsubscribe = onHealthAttached((health) => this.#apply(health));

  /** Sets the status of `service` ('' for the whole server): Check answers it, Watch streams send it. */
  setStatus(service: string, status: ServingStatus): void {
    this.#chosen.set(service, status);
    for (const health of attachedHealth()) health.setStatus(service, status);
  }

  /** The status Check answers for `service` now; undefined when none was set (NOT_FOUND). */
  getStatus(service: string): ServingStatus | undefined {
    for (const health of attachedHealth()) return health.getStatus(service);
    return this.#chosen.get(service);
  }

  onModuleDestroy(): void {
    this.#unsubscribe();
  }

  #apply(health: GrpcHealth): void {
    for (const [service, status] of this.#chosen) health.setStatus(service, status);
  }
}
