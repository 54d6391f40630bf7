// One client call = one HTTP/2 stream (a second when the server refused the first): request headers and frames out,
// frames and final status in. PROTOCOL-HTTP2 "Requests"/"Responses"; edge cases and the retry as grpc-js. Under a
// retry or hedging policy each attempt is one ClientCall, and retry/retrying-call.ts is the call over them. What the
// server sends is read by ResponseEvents (response-events.ts); this class opens the call, sends, and ends it.

import { constants } from 'node:http2';
import type { Codec } from '../protocol/compression.js';
import { FRAME_PREFIX_LENGTH } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Metadata } from '../protocol/metadata.js';
import { buildRequestHeaders } from '../protocol/request-headers.js';
import type { RequestHeaders } from '../protocol/request-headers.js';
import { Status } from '../protocol/status.js';
import type { StatusInfo } from '../protocol/trailers.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import { startDeadlineTimer } from '../timing/deadline-timer.js';
import type { DeadlineTimer } from '../timing/deadline-timer.js';
import type { ResolvedCallOptions } from './call-options.js';
import { DONE, NO_RESPONSE, openState, STARTING } from './call-state.js';
import type { Open } from './call-state.js';
import type { InterceptedCall } from './client-interceptor.js';
import type { ReadyWaiter } from './connection.js';
import { grpcErrorFromNodeError } from './node-errors.js';
import { encodeRequest, RequestWriter, RETRY_BUFFER_BYTES } from './request-writer.js';
import type { RequestStream } from './request-writer.js';
import { ResponseEvents } from './response-events.js';
import type { ClientCallEnvironment } from './response-events.js';
import { detachStream, listenToStream } from './stream-events.js';

export type { ClientCallEnvironment } from './response-events.js';

/** Where a call delivers responses and its outcome: an rxjs Subscriber, or the promise of a unary response. */
export interface CallSink<Res> {
  next(value: Res): void;
  error(err: unknown): void;
  complete(): void;
}

/** Drives one call; doubles as the Observable's teardown, so unsubscribe() is the client-side cancel. */
export class ClientCall<Req, Res> extends ResponseEvents<Req, Res> implements ReadyWaiter {
  private deadlineTimer: DeadlineTimer | undefined;
  /** Listens on options.signal while the call runs; removed at the end, so a long-lived signal collects none. */
  private abortListener: (() => void) | undefined;
  /** undefined: identity, no grpc-encoding and uncompressed frames. */
  private readonly codec: Codec | undefined;

  constructor(
    method: MethodDescriptor<Req, Res>,
    sink: CallSink<Res>,
    options: ResolvedCallOptions,
    env: ClientCallEnvironment,
    /** The method's fixed request headers. */
    private readonly template: RequestHeaders,
    intercepted: InterceptedCall | undefined,
  ) {
    super(method, sink, options, env, intercepted);
    this.codec = env.serverEncodings.sendCodec(options.codec);
  }

  /**
   * Opens the stream and starts sending, or first waits for the connection (waitForReady); failures arrive as the
   * sink's error. Throws TypeError for metadata that cannot be sent, before anything starts.
   */
  start(request: Req | RequestStream<Req>): void {
    const headers = this.requestHeaders();
    const signal = this.options.signal;
    if (signal !== undefined) {
      if (signal.aborted) return this.onAbort();
      this.abortListener = () => this.onAbort();
      signal.addEventListener('abort', this.abortListener, { once: true });
    }
    if (!this.env.connection.admit(this, this.options.waitForReady)) this.state = { kind: 'waiting', request };
    else this.open(headers, request);
    // The deadline runs from subscribe, so it also bounds a wait for the connection. Armed once the request is
    // out: a deadline already passed expires at once, after the server was told ('0n') and before any answer.
    const deadline = this.options.deadline;
    if (deadline !== Infinity && this.state.kind !== 'done') this.deadlineTimer = startDeadlineTimer(deadline, () => this.onDeadline(), true);
  }

  /** ReadyWaiter: the connection is ready; the server gets the time left, not the timeout at subscribe. */
  onReady(): void {
    const state = this.state;
    // A call that ended meanwhile (say, cancelled by a hook of another call released in the same batch) opens nothing.
    if (state.kind !== 'waiting') return;
    this.state = STARTING;
    this.open(this.requestHeaders(), state.request as Req | RequestStream<Req>);
  }

  /** ReadyWaiter: the client was closed before the connection was ready. */
  onShutdown(error: GrpcError): void {
    if (this.state.kind === 'waiting') this.fail(error);
  }

  /** Teardown: before the final status this is a client cancel, RST_STREAM(CANCEL) as grpc-js sends. */
  unsubscribe(): void {
    if (this.state.kind === 'done') return;
    this.release(false);
    this.report({ code: Status.CANCELLED, message: 'Cancelled on client', metadata: new Metadata() });
  }

  /** Pull form: stop reading responses; HTTP/2 flow control then holds the server back once the windows fill. */
  pauseResponses(): void {
    if (this.state.kind === 'open') this.state.stream.pause();
  }

  /** Pull form: read responses again. */
  resumeResponses(): void {
    if (this.state.kind === 'open') this.state.stream.resume();
  }

  private requestHeaders(): RequestHeaders {
    const deadline = this.options.deadline;
    const timeLeft = deadline === Infinity ? Infinity : deadline - Date.now();
    const headers = buildRequestHeaders(this.template, timeLeft, this.codec?.name, this.options.metadata);
    const previous = this.options.previousAttempts;
    // A reserved name, so not metadata: only the retrying call sets it.
    return previous === undefined || previous === 0 ? headers : { ...headers, 'grpc-previous-rpc-attempts': String(previous) };
  }

  private open(headers: RequestHeaders, request: Req | RequestStream<Req>): void {
    const state = this.openStream(headers);
    if (state === undefined) return;
    if (this.method.requestStream) {
      const writer = new RequestWriter(this.method, state.stream, this.codec, this.env.maxSendMessageLength, (err) => this.fail(err));
      state.writer = writer as RequestWriter<unknown>;
      if (this.attemptHooks !== undefined) writer.onFrame = (bytes) => this.attemptHooks!.sent(bytes);
      writer.sendStream(request);
      return;
    }
    // One message, then half-close: a single write with END_STREAM.
    const frame = encodeRequest(this.method, request as Req, this.codec, this.env.maxSendMessageLength);
    if (frame instanceof GrpcError) return this.fail(frame);
    if (frame.length <= RETRY_BUFFER_BYTES) this.sentFrame = frame;
    if (this.attemptHooks !== undefined) this.attemptHooks.sent(frame.length - FRAME_PREFIX_LENGTH);
    state.stream.end(frame);
  }

  private openStream(headers: RequestHeaders): Open | undefined {
    let state: Open;
    try {
      state = this.env.connection.request(headers, openState);
    } catch (err) {
      this.fail(grpcErrorFromNodeError(err));
      return undefined;
    }
    this.state = state;
    const stream = state.stream;
    listenToStream(stream, this);
    return state;
  }

  /**
   * The server refused the stream before any handler saw it (REFUSED_STREAM, RFC 9113 §8.7): send it again on the
   * connection's current session, once per call, as grpc-js's transparent retry; the deadline keeps running.
   */
  protected retryRefused(state: Open): void {
    this.retried = true;
    detachStream(state.stream);
    state.slot.release();
    this.state = STARTING;
    const writer = state.writer;
    const frame = this.sentFrame;
    const retry = this.openStream(this.requestHeaders());
    if (retry === undefined) return writer?.stop();
    if (writer !== undefined) {
      retry.writer = writer;
      writer.moveTo(retry.stream);
    } else if (frame !== undefined) {
      retry.stream.end(frame);
    }
  }

  private onDeadline(): void {
    this.deadlineTimer = undefined;
    this.fail(new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
  }

  /**
   * The signal is normally the served call's (propagated): it ended early, so this call is cancelled with
   * grpc-js's status for the child of a cancelled parent. A served call that timed out takes its calls with it at
   * the same deadline; whichever timer fires first, they end DEADLINE_EXCEEDED.
   */
  private onAbort(): void {
    if (Date.now() >= this.options.deadline) this.fail(new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    else this.fail(new GrpcError(Status.CANCELLED, 'Cancelled by parent call'));
  }

  protected fail(err: GrpcError): void {
    this.finish({ code: err.code, message: err.message, metadata: err.metadata, details: err.details });
  }

  protected finish(status: StatusInfo): void {
    const state = this.state;
    if (state.kind === 'done') return;
    this.release(status.code === Status.OK);
    const response = state.kind === 'open' ? state.response : NO_RESPONSE;
    let final = status;
    if (status.code === Status.OK && !this.method.responseStream && response === NO_RESPONSE) {
      final = { code: Status.UNIMPLEMENTED, message: 'No message received', metadata: status.metadata };
    }
    this.report(final);
    if (final.code !== Status.OK) {
      this.sink.error(new GrpcError(final.code, final.message, { metadata: final.metadata, details: final.details }));
      return;
    }
    if (!this.method.responseStream) this.sink.next(response as Res);
    this.sink.complete();
  }

  /** The final status as the subscriber sees it: the caller's onStatus, then the interceptors' onEnd hooks. */
  private report(status: StatusInfo): void {
    this.options.onStatus?.(status);
    if (this.attemptHooks !== undefined) this.attemptHooks.end(status);
    this.intercepted?.end(status);
  }

  /** Stops timers, a wait for the connection and request sending, closes the stream the way grpc-js does, and frees the session ref. */
  private release(ok: boolean): void {
    const state = this.state;
    this.state = DONE;
    this.sentFrame = undefined;
    this.deadlineTimer?.clear();
    if (this.abortListener !== undefined) {
      this.options.signal?.removeEventListener('abort', this.abortListener);
      this.abortListener = undefined;
    }
    if (state.kind === 'waiting') this.env.connection.stopWaiting(this);
    if (state.kind !== 'open') return;
    state.writer?.stop();
    const stream = state.stream;
    // Later events of the stream find no call; they would be ignored anyway (done).
    detachStream(stream);
    if (!stream.destroyed) {
      // After the server ended the stream an RST is redundant: just half-close our side.
      if (state.serverEnded) {
        if (!stream.writableEnded) stream.end();
      } else {
        stream.close(ok ? constants.NGHTTP2_NO_ERROR : constants.NGHTTP2_CANCEL);
      }
    }
    state.slot.release();
  }
}
