// One client call = one HTTP/2 stream (a second when the server refused the first): request headers and frames out,
// frames and final status in. PROTOCOL-HTTP2 "Requests"/"Responses"; edge cases and the retry as grpc-js. Under a
// retry or hedging policy each attempt is one ClientCall, and retry/retrying-call.ts is the call over them.

import { constants } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import type { Codec } from '../protocol/compression.js';
import { FRAME_PREFIX_LENGTH } from '../protocol/framing.js';
import type { Frame } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { GRPC_ACCEPT_ENCODING_HEADER } from '../protocol/headers.js';
import { Metadata, metadataFromHeaders } from '../protocol/metadata.js';
import { buildRequestHeaders } from '../protocol/request-headers.js';
import type { RequestHeaders } from '../protocol/request-headers.js';
import { parseResponseHeaders, parseResponseTrailers } from '../protocol/response-headers.js';
import { Status } from '../protocol/status.js';
import type { StatusInfo } from '../protocol/trailers.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import { startDeadlineTimer } from '../timing/deadline-timer.js';
import type { DeadlineTimer } from '../timing/deadline-timer.js';
import type { ResolvedCallOptions } from './call-options.js';
import { DONE, NO_RESPONSE, openState, STARTING } from './call-state.js';
import type { CallState, Open } from './call-state.js';
import type { AttemptHooks, InterceptedCall } from './client-interceptor.js';
import type { CallChannel } from './call-channel.js';
import type { ReadyWaiter } from './connection.js';
import { grpcErrorFromNodeError, grpcErrorFromStreamClose } from './node-errors.js';
import { encodeRequest, RequestWriter, RETRY_BUFFER_BYTES } from './request-writer.js';
import type { RequestStream } from './request-writer.js';
import { ResponseDecoder } from './response-decoder.js';
import { detachStream, listenToStream } from './stream-events.js';
import type { ResponseHeaders, StreamEventTarget } from './stream-events.js';
import type { ServerEncodings } from './server-encodings.js';

/** What every call of one client shares. */
export interface ClientCallEnvironment {
  readonly connection: CallChannel;
  /** What the server said it can read; responses note it, new calls read it. */
  readonly serverEncodings: ServerEncodings;
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
}

/** Where a call delivers responses and its outcome: an rxjs Subscriber, or the promise of a unary response. */
export interface CallSink<Res> {
  next(value: Res): void;
  error(err: unknown): void;
  complete(): void;
}

/** HTTP/2 frame type of HEADERS (RFC 9113 §6.2), as node:http2's 'frameError' reports it. */
const HEADERS_FRAME = 1;

/** Drives one call; doubles as the Observable's teardown, so unsubscribe() is the client-side cancel. */
export class ClientCall<Req, Res> implements ReadyWaiter, StreamEventTarget {
  private state: CallState = STARTING;
  private deadlineTimer: DeadlineTimer | undefined;
  /** Listens on options.signal while the call runs; removed at the end, so a long-lived signal collects none. */
  private abortListener: (() => void) | undefined;
  private readonly decoder: ResponseDecoder<Res>;
  /** undefined: identity, no grpc-encoding and uncompressed frames. */
  private readonly codec: Codec | undefined;
  /**
   * The request frame of a unary-request call until the response headers come: a stream the server refused
   * (REFUSED_STREAM) is sent again from it, once, as grpc-js's transparent retry. No object is made for it.
   * Streaming requests keep theirs in the RequestWriter; either way only up to RETRY_BUFFER_BYTES, as grpc-js.
   */
  private sentFrame: Buffer | undefined;
  private retried = false;
  /** The interceptors following this attempt (set before start); undefined when none do. */
  attemptHooks: AttemptHooks | undefined;

  constructor(
    private readonly method: MethodDescriptor<Req, Res>,
    private readonly sink: CallSink<Res>,
    private readonly options: ResolvedCallOptions,
    private readonly env: ClientCallEnvironment,
    /** The method's fixed request headers. */
    private readonly template: RequestHeaders,
    /** The interceptors' onEnd hooks, when the client has interceptors. */
    private readonly intercepted: InterceptedCall | undefined,
  ) {
    this.decoder = new ResponseDecoder(method, env.maxReceiveMessageLength);
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
  private retryRefused(state: Open): void {
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

  // StreamEventTarget: the stream's events, in the order node:http2 emits them.

  onResponse(headers: ResponseHeaders, flags: number): void {
    const state = this.state;
    if (state.kind !== 'open') return;
    state.httpStatus = headers[':status'];
    // The server has the call: it is never sent again.
    this.sentFrame = undefined;
    state.writer?.commit();
    // Trailers-only: the whole response is one HEADERS frame with END_STREAM.
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) return this.onTrailers(headers);
    const encoding = parseResponseHeaders(headers);
    if (encoding instanceof GrpcError) return this.fail(encoding);
    this.decoder.useEncoding(encoding);
    const accepted = headers[GRPC_ACCEPT_ENCODING_HEADER];
    if (accepted !== undefined) this.env.serverEncodings.note(accepted);
    this.options.onMetadata?.(metadataFromHeaders(headers));
  }

  onTrailers(headers: IncomingHttpHeaders): void {
    const state = this.state;
    if (state.kind !== 'open') return;
    state.serverEnded = true;
    const pushback = headers['grpc-retry-pushback-ms'];
    this.options.onPushback?.(pushback === undefined ? [] : [pushback].flat());
    // Only the code of an OK status is read unless a hook sees the status: its metadata is then decoded lazily.
    const eagerMetadata = this.options.onStatus !== undefined || this.intercepted !== undefined;
    const status = parseResponseTrailers(headers, state.httpStatus, eagerMetadata);
    if (status instanceof GrpcError) this.fail(status);
    else state.status = status;
  }

  onData(chunk: Buffer): void {
    if (this.state.kind !== 'open') return;
    const frames = this.decoder.push(chunk);
    if (frames instanceof GrpcError) return this.fail(frames);
    for (let i = 0; i < frames.length && this.state.kind === 'open'; i++) this.deliver(frames[i]!, this.state);
  }

  private deliver(frame: Frame, state: Open): void {
    if (this.attemptHooks !== undefined) this.attemptHooks.received(frame.data.length);
    const message = this.decoder.decode(frame);
    if (message instanceof GrpcError) return this.fail(message);
    if (this.method.responseStream) return this.sink.next(message);
    // Unary responses are held until an OK status, as grpc-js's callback API does.
    if (state.response !== NO_RESPONSE) return this.fail(new GrpcError(Status.UNIMPLEMENTED, 'Too many responses received'));
    state.response = message;
  }

  onEnd(): void {
    const state = this.state;
    if (state.kind !== 'open') return;
    state.serverEnded = true;
    // No trailers: 'close' reports the RST code.
    if (state.status === undefined) return;
    const cutOff = state.status.code === Status.OK ? this.decoder.end() : undefined;
    if (cutOff !== undefined) this.fail(cutOff);
    else this.finish(state.status);
  }

  onError(err: unknown): void {
    const state = this.state;
    if (state.kind === 'open') state.error = err;
  }

  /**
   * node:http2 did not send a frame of ours. Our request headers (HEADERS = 1) over its header-block limit
   * (FRAME_SIZE_ERROR): refused locally, never seen by the server, so said as such rather than as the REFUSED_STREAM
   * node:http2 closes the stream with. Either way no new call goes on that session.
   */
  onFrameError(type: number, code: number): void {
    const state = this.state;
    if (state.kind !== 'open' || type !== HEADERS_FRAME || state.httpStatus !== undefined) return;
    this.env.connection.retire(state.slot);
    // Any other refusal: the session had a GOAWAY that node:http2 had not yet reported when the stream was opened.
    // The server never saw the call; 'close' retries it on another session (REFUSED_STREAM).
    if (code !== constants.NGHTTP2_FRAME_SIZE_ERROR) return;
    this.fail(new GrpcError(Status.RESOURCE_EXHAUSTED,
      'Request headers not sent: node:http2 refused the header block (metadata too large for http2.maxSendHeaderBlockLength)'));
  }

  onClose(): void {
    const state = this.state;
    if (state.kind !== 'open') return;
    if (state.status !== undefined) {
      state.serverEnded = true;
      return this.finish(state.status);
    }
    if (!this.retried && state.stream.rstCode === constants.NGHTTP2_REFUSED_STREAM && state.httpStatus === undefined
      && (state.writer === undefined ? this.sentFrame !== undefined : state.writer.canReplay())) {
      return this.retryRefused(state);
    }
    state.serverEnded = true;
    this.fail(grpcErrorFromStreamClose({
      rstCode: state.stream.rstCode,
      error: state.error,
      sessionDestroyed: state.slot.session.destroyed,
      httpStatus: state.httpStatus,
    }));
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

  private fail(err: GrpcError): void {
    this.finish({ code: err.code, message: err.message, metadata: err.metadata, details: err.details });
  }

  private finish(status: StatusInfo): void {
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
