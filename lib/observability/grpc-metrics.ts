// The instruments of gRPC's OpenTelemetry metrics design (gRFC A66): names, units, default buckets, and the
// per-call records servers and clients make into them.
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { statusName } from '../protocol/status.js';
import type { Status } from '../protocol/status.js';

// A66 "Units" and default histogram buckets.
const LATENCY_BUCKETS = [0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006,
  0.008, 0.01, 0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65,
  0.8, 1, 2, 5, 10, 20, 50, 100];
const SIZE_BUCKETS = [0, 1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456,
  1073741824, 4294967296];

function latency(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: LATENCY_BUCKETS } });
}

function size(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, { unit: 'By', description, advice: { explicitBucketBoundaries: SIZE_BUCKETS } });
}

/** The server's per-call instruments. */
export class ServerMetrics {
  readonly #started: Counter;
  readonly #duration: Histogram;
  readonly #sent: Histogram;
  readonly #received: Histogram;

  constructor(meter: Meter) {
    this.#started = meter.createCounter('grpc.server.call.started', { unit: '{call}', description: 'Number of server calls started.' });
    this.#duration = latency(meter, 'grpc.server.call.duration', 'End-to-end time taken to complete a call from server transport\'s perspective.');
    this.#sent = size(meter, 'grpc.server.call.sent_total_compressed_message_size', 'Compressed message bytes sent per server call.');
    this.#received = size(meter, 'grpc.server.call.rcvd_total_compressed_message_size', 'Compressed message bytes received per server call.');
  }

  started(method: string): void {
    this.#started.add(1, { 'grpc.method': method });
  }

  ended(method: string, code: Status, seconds: number, bytesSent: number, bytesReceived: number): void {
    const labels: Attributes = { 'grpc.method': method, 'grpc.status': statusName(code) };
    this.#duration.record(seconds, labels);
    this.#sent.record(bytesSent, labels);
    this.#received.record(bytesReceived, labels);
  }
}

/** The client's per-attempt and per-call instruments. */
export class ClientMetrics {
  readonly #attemptStarted: Counter;
  readonly #attemptDuration: Histogram;
  readonly #attemptSent: Histogram;
  readonly #attemptReceived: Histogram;
  readonly #callDuration: Histogram;

  constructor(meter: Meter, readonly target: string) {
    this.#attemptStarted = meter.createCounter('grpc.client.attempt.started', { unit: '{attempt}', description: 'Number of client call attempts started.' });
    this.#attemptDuration = latency(meter, 'grpc.client.attempt.duration', 'End-to-end time taken to complete a client call attempt.');
    this.#attemptSent = size(meter, 'grpc.client.attempt.sent_total_compressed_message_size', 'Compressed message bytes sent per client call attempt.');
    this.#attemptReceived = size(meter, 'grpc.client.attempt.rcvd_total_compressed_message_size', 'Compressed message bytes received per call attempt.');
    this.#callDuration = latency(meter, 'grpc.client.call.duration', 'Time taken by gRPC to complete an RPC from application\'s perspective.');
  }

  attemptStarted(method: string): void {
    this.#attemptStarted.add(1, { 'grpc.method': method, 'grpc.target': this.target });
  }

  attemptEnded(method: string, code: Status, seconds: number, bytesSent: number, bytesReceived: number): void {
    const labels: Attributes = { 'grpc.method': method, 'grpc.target': this.target, 'grpc.status': statusName(code) };
    this.#attemptDuration.record(seconds, labels);
    this.#attemptSent.record(bytesSent, labels);
    this.#attemptReceived.record(bytesReceived, labels);
  }

  callEnded(method: string, code: Status, seconds: number): void {
    this.#callDuration.record(seconds, { 'grpc.method': method, 'grpc.target': this.target, 'grpc.status': statusName(code) });
  }
}
