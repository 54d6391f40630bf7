// grpc.health.v1.Health served from a GrpcHealth: Check, List and the streaming Watch (doc/health-checking.md).
// An ordinary service: registered on the router like a user's, so it costs other methods nothing.
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError } from '../../protocol/grpc-error.js';
import { Status } from '../../protocol/status.js';
import type { ServiceDescriptor } from '../../schema/descriptors.js';
import type { ServerHandler } from '../../server/call-context.js';
import { describeEmbeddedProto } from '../embedded-proto.js';
import type { GrpcHealth, WatchedStatus } from './grpc-health.js';
import { HEALTH_PROTO, HEALTH_PROTO_FILE, HEALTH_SERVICE_NAME } from './health-proto.js';

interface HealthCheckRequest {
  service: string;
}
interface HealthCheckResponse {
  status: WatchedStatus;
}

let descriptor: ServiceDescriptor | undefined;

/** The grpc.health.v1.Health descriptor, parsed once. */
export function healthServiceDescriptor(): ServiceDescriptor {
  descriptor ??= describeEmbeddedProto(HEALTH_PROTO_FILE, HEALTH_PROTO).service(HEALTH_SERVICE_NAME);
  return descriptor;
}

/** The Health handlers, reading `health`. */
export function healthHandlers(health: GrpcHealth): Record<string, ServerHandler> {
  return {
    Check: (request: HealthCheckRequest): HealthCheckResponse => {
      const status = health.getStatus(request.service);
      if (status === undefined) throw new GrpcError(Status.NOT_FOUND, `Unknown service "${request.service}"`);
      return { status };
    },
    List: (): { statuses: Record<string, HealthCheckResponse> } => {
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const [service, status] of health.statuses) statuses[service] = { status };
      return { statuses };
    },
    // Unsubscribing on the client's cancel (the dispatch's job) removes the watcher.
    Watch: (request: HealthCheckRequest): Observable<HealthCheckResponse> =>
      health.watch(request.service).pipe(map((status) => ({ status }))),
  };
}
