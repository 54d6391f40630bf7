// Per-call options as the caller writes them, normalised once at subscribe time into what ClientCall reads.
// Deadline rule (PROTOCOL-HTTP2 "Timeout"): the earlier of timeout and deadline wins; sent as grpc-timeout.

import { Metadata } from '../protocol/metadata.js';
import type { MetadataInit } from '../protocol/metadata.js';
import { findCodec } from '../protocol/compression.js';
import type { Codec, EncodingName } from '../protocol/compression.js';
import type { StatusInfo } from '../protocol/trailers.js';

/** Options of one call. */
export interface CallOptions {
  /** Request metadata: plain object, list of pairs, or Metadata; -bin keys take Buffers. */
  metadata?: MetadataInit;
  /** Milliseconds from the call's start (subscribe). */
  timeout?: number;
  /** Absolute deadline (Date or epoch ms). */
  deadline?: Date | number;
  /** Overrides the client's default compression for this call's requests. */
  compression?: EncodingName;
  /** Response initial metadata. */
  onMetadata?(metadata: Metadata): void;
  /** Final status as the subscriber sees it, also on failures and on unsubscribe (CANCELLED). */
  onStatus?(status: StatusInfo): void;
  /**
   * Wait for the connection instead of failing UNAVAILABLE while it is connecting or backing off after a failed
   * attempt (grpc-js's CallOptions.waitForReady); the deadline and unsubscribe still end the wait.
   */
  waitForReady?: boolean;
}

/** What a call takes from its client unless its own options say otherwise. */
export interface CallDefaults {
  readonly compression?: EncodingName;
  readonly waitForReady?: boolean;
}

/** CallOptions after validation; `deadline` is epoch ms, Infinity when none. */
export interface ResolvedCallOptions {
  readonly metadata: Metadata | undefined;
  readonly deadline: number;
  /** undefined means identity: frames go out uncompressed and no grpc-encoding header is sent. */
  readonly codec: Codec | undefined;
  readonly onMetadata: ((metadata: Metadata) => void) | undefined;
  readonly onStatus: ((status: StatusInfo) => void) | undefined;
  readonly waitForReady: boolean;
  /** Cancels the call when it aborts; set by interceptors (the served call's, by the built-in propagation). */
  readonly signal: AbortSignal | undefined;
  /** Set on the attempts of a retried or hedged call: sent as grpc-previous-rpc-attempts (gRFC A6). */
  readonly previousAttempts?: number;
  /** Set on those attempts: told the trailers' grpc-retry-pushback-ms values (a reserved name, so not in metadata). */
  readonly onPushback?: (values: readonly unknown[]) => void;
}

const NO_OPTIONS: CallOptions = {};

/** Validates and normalises options; throws TypeError for bad metadata or an unknown compression name. */
export function resolveCallOptions(
  options: CallOptions | undefined,
  defaults: CallDefaults,
  now: number,
): ResolvedCallOptions {
  const opts = options ?? NO_OPTIONS;
  const metadata = opts.metadata === undefined ? undefined : Metadata.from(opts.metadata);
  return {
    metadata: metadata !== undefined && metadata.size > 0 ? metadata : undefined,
    deadline: resolveDeadline(opts, now),
    codec: resolveCodec(opts.compression ?? defaults.compression),
    onMetadata: opts.onMetadata,
    onStatus: opts.onStatus,
    waitForReady: (opts.waitForReady ?? defaults.waitForReady) === true,
    signal: undefined,
  };
}

function resolveDeadline(opts: CallOptions, now: number): number {
  let deadline = Infinity;
  if (opts.timeout !== undefined) {
    if (typeof opts.timeout !== 'number' || Number.isNaN(opts.timeout)) {
      throw new TypeError(`timeout must be a number of milliseconds, got ${String(opts.timeout)}`);
    }
    deadline = now + opts.timeout;
  }
  if (opts.deadline !== undefined) {
    const at = opts.deadline instanceof Date ? opts.deadline.getTime() : opts.deadline;
    if (typeof at !== 'number' || Number.isNaN(at)) {
      throw new TypeError(`deadline must be a Date or epoch milliseconds, got ${String(opts.deadline)}`);
    }
    deadline = Math.min(deadline, at);
  }
  return deadline;
}

/** Codec for an encoding name; identity needs none. */
export function resolveCodec(name: EncodingName | undefined): Codec | undefined {
  if (name === undefined || name === 'identity') return undefined;
  const codec = findCodec(name);
  if (codec === undefined) throw new TypeError(`Unsupported compression: ${String(name)}`);
  return codec;
}
