// What GrpcObservabilityModule.forRoot() sets for every GrpcTransportStrategy and GrpcClientProxy of the process
// that does not set its own, and the Nest Logger an access log of `true` writes to.
import { Logger } from '@nestjs/common';
import type { AccessLogger, AccessLogOption } from '../../observability/access-log.js';
import type { TelemetryOption } from '../../observability/telemetry-options.js';

/** Traces and metrics for servers and clients; the access log for servers. */
export interface GrpcObservabilityOptions {
  /** OpenTelemetry traces and gRFC A66 metrics (needs @opentelemetry/api); see TelemetryOptions. */
  telemetry?: TelemetryOption;
  /** A structured entry per served call: `true` logs to Nest's Logger (context 'GrpcAccessLog'), or pass a logger. */
  accessLog?: AccessLogOption;
}

let defaults: GrpcObservabilityOptions = {};

/** Sets the process-wide defaults (GrpcObservabilityModule.forRoot calls this). */
export function setGrpcObservabilityDefaults(options: GrpcObservabilityOptions): void {
  defaults = { ...options };
}

export function grpcObservabilityDefaults(): GrpcObservabilityOptions {
  return defaults;
}

/** Under Nest, `accessLog: true` means Nest's Logger rather than bare stdout. */
export function nestAccessLog(option: AccessLogOption | undefined): AccessLogOption | undefined {
  if (option !== true) return option;
  const logger = new Logger('GrpcAccessLog');
  const nestLogger: AccessLogger = { log: (entry) => logger.log(entry) };
  return nestLogger;
}
