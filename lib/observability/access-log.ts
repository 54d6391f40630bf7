// An opt-in structured access log, one entry per served call, written as a server interceptor to a logger the
// user passes (Nest's Logger under the Nest strategy; a JSON line on stdout by default).
import { statusName } from '../protocol/status.js';
import type { IncomingCall, ServedCallEnd, ServerCallObserver, ServerInterceptor } from '../server/server-interceptor.js';

/** One served call, as logged once it ended. */
export interface AccessLogEntry {
  /** `package.Service/Method`. */
  readonly method: string;
  /** The client's `host:port`. */
  readonly peer: string;
  /** The status name ('OK', 'NOT_FOUND'...) and number. */
  readonly status: string;
  readonly code: number;
  /** The status message, when there is one. */
  readonly message?: string;
  readonly durationMs: number;
  /** Message payload bytes as on the wire (compressed, without frame prefixes), and message counts. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** The client's deadline as an ISO date, when it set one. */
  readonly deadline?: string;
}

/** Where entries go: Nest's Logger fits (its `log` takes an object), as does `{ log: (e) => pino.info(e) }`. */
export interface AccessLogger {
  log(entry: AccessLogEntry): void;
}

/** `true`: JSON lines on stdout; or a logger. */
export type AccessLogOption = boolean | AccessLogger;

const STDOUT_LOGGER: AccessLogger = { log: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`) };

/** The access-log interceptor of `option`, or undefined when it is off. */
export function createAccessLogInterceptor(option: AccessLogOption | undefined): ServerInterceptor | undefined {
  if (option === undefined || option === false) return undefined;
  const logger = option === true ? STDOUT_LOGGER : option;
  return { onStart: (call) => new AccessLogCall(call, logger) };
}

class AccessLogCall implements ServerCallObserver {
  constructor(private readonly call: IncomingCall, private readonly logger: AccessLogger) {}

  onEnd(end: ServedCallEnd): void {
    const deadline = this.call.deadline;
    const entry: AccessLogEntry = {
      method: this.call.method.path.slice(1),
      peer: this.call.peer,
      status: statusName(end.code),
      code: end.code,
      ...(end.message === '' ? {} : { message: end.message }),
      durationMs: Math.round(end.durationMs * 1000) / 1000,
      bytesIn: end.bytesReceived,
      bytesOut: end.bytesSent,
      messagesIn: end.messagesReceived,
      messagesOut: end.messagesSent,
      ...(deadline === undefined ? {} : { deadline: new Date(deadline).toISOString() }),
    };
    this.logger.log(entry);
  }
}
