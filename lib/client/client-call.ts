// One client call = one HTTP/2 stream: request headers and frames out, frames and final status in.
// Follows PROTOCOL-HTTP2 "Requests"/"Responses"; edge cases (no status, extra or missing unary message) as grpc-js.

import { constants } from 'node:http2';
import type { ClientHttp2Stream, IncomingHttpHeaders, IncomingHttpStatusHeader } from 'node:http2';
import type { Codec } from '../protocol/compression.js';
import { findCodec } from '../protocol/compression.js';
import { FrameDecoder } from '../protocol/framing.js';
import type { Frame } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { GRPC_STATUS_HEADER, isGrpcContentType } from '../protocol/headers.js';
import { Metadata, metadataFromHeaders } from '../protocol/metadata.js';
import { Status } from '../protocol/status.js';
import { statusFromTrailers } from '../protocol/trailers.js';
import { encodeTimeout } from '../protocol/timeout.js';
import type { StatusInfo } from '../protocol/trailers.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import type { ResolvedCallOptions } from './call-options.js';
import type { Connection, ReadyWaiter } from './connection.js';
import type { SessionSlot } from './session-slot.js';
import { fromHttpStatus, grpcErrorFromNodeError, grpcErrorFromStreamClose } from './node-errors.js';
import { encodeRequest, RequestWriter } from './request-writer.js';
import type { RequestStream } from './request-writer.js';

/** What every call of one client shares. */
export interface CallEnvironment {
  readonly connection: Connection;
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
}

type Headers = IncomingHttpHeaders & IncomingHttpStatusHeader;
type RequestHeaders = Readonly<Record<string, string | string[]>>;

// The call a stream belongs to, until the call ends. The stream listeners are shared by every call and find their
// call here: no closure per event and call. Clearing it at the end also takes the call's objects out of the
// stream's graph: node:http2 streams often survive a scavenge or two, and what hangs off them is promoted with them.
const CALL = Symbol('ClientCall');
type CallStream = ClientHttp2Stream & { [CALL]?: ClientCall<unknown, unknown> };

/** Where a call delivers responses and its outcome: an rxjs Subscriber, or the promise of a unary response. */
export interface CallSink<Res> {
  next(value: Res): void;
  error(err: unknown): void;
  complete(): void;
}

/** An OK status whose trailing metadata is decoded only if read (a unary call that got no message reports it). */
class LazyOkStatus implements StatusInfo {
  readonly code = Status.OK;
  readonly message = '';
  private decoded: Metadata | undefined;

  constructor(private readonly trailers: IncomingHttpHeaders) {}

  get metadata(): Metadata {
    return (this.decoded ??= metadataFromHeaders(this.trailers));
  }
}

/** Drives one call; doubles as the Observable's teardown, so unsubscribe() is the client-side cancel. */
export class ClientCall<Req, Res> {
  private done = false;
  private stream: ClientHttp2Stream | undefined;
  private slot: SessionSlot | undefined;
  /** Set while the call waits for a ready connection (waitForReady). */
  private waiter: ReadyWaiter | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Listens on options.signal while the call runs; removed at the end, so a long-lived signal collects none. */
  private abortListener: (() => void) | undefined;
  private writer: RequestWriter<Req> | undefined;
  private readonly decoder: FrameDecoder;
  private recvCodec: Codec | undefined;
  private recvEncoding = 'identity';
  private httpStatus: number | undefined;
  private trailerStatus: StatusInfo | undefined;
  private streamError: unknown;
  private serverEnded = false;
  private response: Res | undefined;
  private responses = 0;

  constructor(
    private readonly method: MethodDescriptor<Req, Res>,
    private readonly subscriber: CallSink<Res>,
    private readonly options: ResolvedCallOptions,
    private readonly env: CallEnvironment,
  ) {
    this.decoder = new FrameDecoder(env.maxReceiveMessageLength);
  }

  /**
   * Opens the stream with prepared headers and starts sending, or first waits for the connection (waitForReady);
   * failures arrive as the subscriber's error.
   */
  start(headers: RequestHeaders, request: Req | RequestStream<Req>, codec: Codec | undefined): void {
    // The deadline runs from subscribe, so it also bounds a wait for the connection.
    if (this.options.deadline !== Infinity) this.startDeadlineTimer();
    const signal = this.options.signal;
    if (signal !== undefined) {
      if (signal.aborted) return this.onAbort();
      this.abortListener = () => this.onAbort();
      signal.addEventListener('abort', this.abortListener, { once: true });
    }
    if (this.options.waitForReady && this.waitForConnection(headers, request, codec)) return;
    this.open(headers, request, codec);
  }

  /** True when the call now waits for the connection to be ready; false when it may go out at once. */
  private waitForConnection(headers: RequestHeaders, request: Req | RequestStream<Req>, codec: Codec | undefined): boolean {
    // Each hook checks it is still the call's waiter: a call that ended meanwhile (say, cancelled by a hook of
    // another call released in the same batch) must not open a stream.
    const waiter: ReadyWaiter = {
      onReady: () => {
        if (this.waiter !== waiter) return;
        this.waiter = undefined;
        this.open(this.withTimeLeft(headers), request, codec);
      },
      onShutdown: (err) => {
        if (this.waiter !== waiter) return;
        this.waiter = undefined;
        this.fail(err);
      },
    };
    if (this.env.connection.waitForReady(waiter)) return false;
    this.waiter = waiter;
    return true;
  }

  /** grpc-timeout was computed at subscribe; after a wait for the connection the server gets what is left. */
  private withTimeLeft(headers: RequestHeaders): RequestHeaders {
    if (this.options.deadline === Infinity) return headers;
    return { ...headers, 'grpc-timeout': encodeTimeout(this.options.deadline - Date.now()) };
  }

  private open(headers: RequestHeaders, request: Req | RequestStream<Req>, codec: Codec | undefined): void {
    let opened: { stream: ClientHttp2Stream; slot: SessionSlot };
    try {
      opened = this.env.connection.request(headers);
    } catch (err) {
      this.fail(grpcErrorFromNodeError(err));
      return;
    }
    const stream = (this.stream = opened.stream);
    this.slot = opened.slot;
    (stream as CallStream)[CALL] = this as ClientCall<unknown, unknown>;
    stream.on('response', ClientCall.onStreamResponse);
    stream.on('trailers', ClientCall.onStreamTrailers);
    stream.on('data', ClientCall.onStreamData);
    stream.on('end', ClientCall.onStreamEnd);
    // Stays after the call ends: an 'error' without a listener would throw.
    stream.on('error', ClientCall.onStreamError);
    stream.on('close', ClientCall.onStreamClose);
    if (this.method.requestStream) {
      this.writer = new RequestWriter(this.method, stream, codec, this.env.maxSendMessageLength, (err) => this.fail(err));
      this.writer.sendStream(request);
      return;
    }
    // One message, then half-close: a single write with END_STREAM.
    const frame = encodeRequest(this.method, request as Req, codec, this.env.maxSendMessageLength);
    if (frame instanceof GrpcError) this.fail(frame);
    else stream.end(frame);
  }

  private startDeadlineTimer(): void {
    const remaining = this.options.deadline - Date.now();
    // setTimeout clamps beyond 2^31-1 ms to 1 ms; deadlines past ~24 days are left to the server.
    if (remaining <= 2_147_483_647) this.timer = setTimeout(() => this.onDeadline(), Math.max(0, remaining));
  }

  private static onStreamResponse(this: CallStream, headers: Headers, flags: number): void {
    this[CALL]?.onResponse(headers, flags);
  }

  private static onStreamTrailers(this: CallStream, headers: IncomingHttpHeaders): void {
    this[CALL]?.onTrailers(headers);
  }

  private static onStreamData(this: CallStream, chunk: Buffer): void {
    this[CALL]?.onData(chunk);
  }

  private static onStreamEnd(this: CallStream): void {
    this[CALL]?.onEnd();
  }

  private static onStreamError(this: CallStream, err: unknown): void {
    this[CALL]?.onError(err);
  }

  private static onStreamClose(this: CallStream): void {
    this[CALL]?.onClose();
  }

  /** Teardown: before the final status this is a client cancel, RST_STREAM(CANCEL) as grpc-js sends. */
  unsubscribe(): void {
    if (this.done) return;
    this.done = true;
    this.release(false);
    this.options.onStatus?.({ code: Status.CANCELLED, message: 'Cancelled on client', metadata: new Metadata() });
  }

  private onResponse(headers: Headers, flags: number): void {
    if (this.done) return;
    this.httpStatus = headers[':status'];
    // Trailers-only: the whole response is one HEADERS frame with END_STREAM.
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) return this.onTrailers(headers);
    if (this.httpStatus !== 200) return this.fail(fromHttpStatus(this.httpStatus ?? 0));
    const contentType = headers['content-type'];
    if (!isGrpcContentType(contentType)) {
      // grpc-go's wording; 200 with a foreign body is UNKNOWN in the HTTP-to-gRPC table.
      return this.fail(new GrpcError(Status.UNKNOWN, `Received unexpected content-type "${contentType ?? ''}"`));
    }
    const encoding = headers['grpc-encoding'];
    if (typeof encoding === 'string' && encoding !== 'identity') {
      this.recvEncoding = encoding;
      this.recvCodec = findCodec(encoding);
    }
    const accepted = headers['grpc-accept-encoding'];
    if (accepted !== undefined) this.env.connection.noteServerEncodings(accepted);
    this.options.onMetadata?.(metadataFromHeaders(headers));
  }

  private onTrailers(headers: IncomingHttpHeaders): void {
    this.serverEnded = true;
    if (this.done) return;
    // Nothing but the code of an OK status is read when no onStatus hook sees it: skip decoding the rest then.
    const plainOk = headers[GRPC_STATUS_HEADER] === '0' && this.options.onStatus === undefined;
    const status = plainOk ? new LazyOkStatus(headers) : statusFromTrailers(headers);
    if (status !== undefined) this.trailerStatus = status;
    else if (this.httpStatus !== undefined && this.httpStatus !== 200) this.fail(fromHttpStatus(this.httpStatus));
    else this.fail(new GrpcError(Status.UNKNOWN, 'No status information received', { metadata: metadataFromHeaders(headers) }));
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    const frames = this.decoder.push(chunk);
    if (frames instanceof GrpcError) return this.fail(frames);
    for (let i = 0; i < frames.length && !this.done; i++) this.deliver(frames[i]);
  }

  private deliver(frame: Frame): void {
    let bytes: Uint8Array = frame.data;
    if (frame.compressed) {
      const codec = this.recvCodec;
      if (codec === undefined) {
        // grpc-js's compression-filter messages.
        const message = this.recvEncoding === 'identity'
          ? 'Received compressed message but "grpc-encoding" header was identity'
          : `Compression method not supported: ${this.recvEncoding}`;
        return this.fail(new GrpcError(Status.INTERNAL, message));
      }
      const inflated = codec.decompress(bytes, this.env.maxReceiveMessageLength);
      if (inflated instanceof GrpcError) return this.fail(inflated);
      bytes = inflated;
    }
    let message: Res;
    try {
      message = this.method.deserializeResponse(bytes);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      return this.fail(new GrpcError(Status.INTERNAL, `Response message parsing error: ${text}`, { cause: err }));
    }
    if (this.method.responseStream) return this.subscriber.next(message);
    // Unary responses are held until an OK status, as grpc-js's callback API does.
    if (++this.responses > 1) return this.fail(new GrpcError(Status.UNIMPLEMENTED, 'Too many responses received'));
    this.response = message;
  }

  private onEnd(): void {
    this.serverEnded = true;
    if (this.done || this.trailerStatus === undefined) return; // no trailers: 'close' reports the RST code
    const pending = this.trailerStatus.code === Status.OK ? this.decoder.end() : undefined;
    if (pending !== undefined) this.fail(pending);
    else this.finish(this.trailerStatus);
  }

  private onError(err: unknown): void {
    this.streamError = err;
  }

  private onClose(): void {
    this.serverEnded = true;
    if (this.done) return;
    if (this.trailerStatus !== undefined) return this.finish(this.trailerStatus);
    this.fail(grpcErrorFromStreamClose({
      rstCode: this.stream?.rstCode,
      error: this.streamError,
      sessionDestroyed: this.slot?.session.destroyed ?? false,
      httpStatus: this.httpStatus,
    }));
  }

  private onDeadline(): void {
    this.timer = undefined;
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
    if (this.done) return;
    this.done = true;
    this.release(status.code === Status.OK);
    let final = status;
    if (status.code === Status.OK && !this.method.responseStream && this.responses === 0) {
      final = { code: Status.UNIMPLEMENTED, message: 'No message received', metadata: status.metadata };
    }
    this.options.onStatus?.(final);
    if (final.code !== Status.OK) {
      this.subscriber.error(new GrpcError(final.code, final.message, { metadata: final.metadata, details: final.details }));
      return;
    }
    if (!this.method.responseStream) this.subscriber.next(this.response as Res);
    this.subscriber.complete();
  }

  /** Stops timers, a wait for the connection and request sending, closes the stream the way grpc-js does, and frees the session ref. */
  private release(ok: boolean): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.abortListener !== undefined) {
      this.options.signal?.removeEventListener('abort', this.abortListener);
      this.abortListener = undefined;
    }
    if (this.waiter !== undefined) {
      this.env.connection.stopWaiting(this.waiter);
      this.waiter = undefined;
    }
    this.writer?.stop();
    const stream = this.stream;
    // Later events of the stream find no call; they would be ignored anyway (done).
    if (stream !== undefined) (stream as CallStream)[CALL] = undefined;
    if (stream !== undefined && !stream.destroyed) {
      // After the server ended the stream an RST is redundant: just half-close our side.
      if (this.serverEnded) {
        if (!stream.writableEnded) stream.end();
      } else {
        stream.close(ok ? constants.NGHTTP2_NO_ERROR : constants.NGHTTP2_CANCEL);
      }
    }
    this.slot?.release();
  }
}
