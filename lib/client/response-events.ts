// The server's side of a client call, as node:http2 emits it (PROTOCOL-HTTP2 "Responses"): response headers,
// messages, trailers, then the stream's end or close. ClientCall extends this with the call's own flow (opening,
// the request, the end); the events only read what came and hand the call its outcome.
import { constants } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import type { Frame } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { GRPC_ACCEPT_ENCODING_HEADER } from '../protocol/headers.js';
import { metadataFromHeaders } from '../protocol/metadata.js';
import { parseResponseHeaders, parseResponseTrailers } from '../protocol/response-headers.js';
import { Status } from '../protocol/status.js';
import type { StatusInfo } from '../protocol/trailers.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import type { CallChannel } from './call-channel.js';
import type { ResolvedCallOptions } from './call-options.js';
import { NO_RESPONSE, STARTING } from './call-state.js';
import type { CallState, Open } from './call-state.js';
import type { CallSink } from './client-call.js';
import type { AttemptHooks, InterceptedCall } from './client-interceptor.js';
import { grpcErrorFromStreamClose } from './node-errors.js';
import { ResponseDecoder } from './response-decoder.js';
import type { ServerEncodings } from './server-encodings.js';
import type { ResponseHeaders, StreamEventTarget } from './stream-events.js';

/** What every call of one client shares. */
export interface ClientCallEnvironment {
  readonly connection: CallChannel;
  /** What the server said it can read; responses note it, new calls read it. */
  readonly serverEncodings: ServerEncodings;
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
}

/** HTTP/2 frame type of HEADERS (RFC 9113 §6.2), as node:http2's 'frameError' reports it. */
const HEADERS_FRAME = 1;

/** A call's response events; what they lead to (an error, a status, a retry) is the call's to carry out. */
export abstract class ResponseEvents<Req, Res> implements StreamEventTarget {
  protected state: CallState = STARTING;
  protected readonly decoder: ResponseDecoder<Res>;
  /**
   * The request frame of a unary-request call until the response headers come: a stream the server refused
   * (REFUSED_STREAM) is sent again from it, once, as grpc-js's transparent retry. No object is made for it.
   * Streaming requests keep theirs in the RequestWriter; either way only up to RETRY_BUFFER_BYTES, as grpc-js.
   */
  protected sentFrame: Buffer | undefined;
  protected retried = false;
  /** The interceptors following this attempt (set before start); undefined when none do. */
  attemptHooks: AttemptHooks | undefined;

  constructor(
    protected readonly method: MethodDescriptor<Req, Res>,
    protected readonly sink: CallSink<Res>,
    protected readonly options: ResolvedCallOptions,
    protected readonly env: ClientCallEnvironment,
    /** The interceptors' onEnd hooks, when the client has interceptors. */
    protected readonly intercepted: InterceptedCall | undefined,
  ) {
    this.decoder = new ResponseDecoder(method, env.maxReceiveMessageLength);
  }

  /** Ends the call with `err`'s status. */
  protected abstract fail(err: GrpcError): void;
  /** Ends the call with the server's status. */
  protected abstract finish(status: StatusInfo): void;
  /** Sends the call again on a new stream: the server refused this one before any handler saw it. */
  protected abstract retryRefused(state: Open): void;

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
}
