// One HTTP/2 stream = one call (PROTOCOL-HTTP2 "Requests" and "Responses"), in the order its data flows:
// request frames -> decoded messages -> the receiver dispatch gave it; response messages -> frames -> the stream;
// then exactly one status. Only this class ends a call; the deadline and cancellation live in CallDeadline.
import { constants } from 'node:http2';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { TLSSocket } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { EncodingName } from '../protocol/compression.js';
import { FRAME_PREFIX_LENGTH } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Metadata, metadataFromHeaders } from '../protocol/metadata.js';
import type { MetadataInit } from '../protocol/metadata.js';
import type { Frame } from '../protocol/framing.js';
import type { ParsedRequestHeaders } from '../protocol/request-headers.js';
import { buildResponseHeaders, buildTrailers, buildTrailersOnly } from '../protocol/response-headers.js';
import type { OutgoingHeaders } from '../protocol/response-headers.js';
import { Status } from '../protocol/status.js';
import { takesNoValue } from '../schema/descriptors.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import { CallDeadline, cancelledByClient, deadlineExceeded } from './deadline.js';
import { RequestDecoder, UNLIMITED_BUDGET } from './request-decoder.js';
import type { RequestBudget } from './request-decoder.js';
import { ResponseEncoder } from './response-encoder.js';
import { ResponseWriter } from './response-writer.js';
import type { ServerCallHooks } from './server-interceptor.js';

/** What every call of one server shares: its limits and default compression. */
export interface ServerCallEnvironment {
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
  readonly defaultCompression: EncodingName | undefined;
}

/**
 * Takes a call's decoded request messages in order. It answers; the call acts: a GrpcError returned ends the
 * call with that status.
 */
export interface RequestReceiver {
  message(value: unknown): undefined | GrpcError;
  /** The client half-closed: every message arrived. */
  end(): undefined | GrpcError;
  /** No more messages: the client cancelled or the deadline passed. The call has ended. */
  cancelled(): void;
  /** The request stream could not be read; the call has ended with `error`'s status. */
  failed(error: GrpcError): void;
}

// 'idle': nothing sent yet, so a failure can be a trailers-only response.
// 'sending': headers are out and messages may follow. 'closed': status sent, or the stream is gone.
type ResponsePhase = 'idle' | 'sending' | 'closed';

const RESPOND_OPTIONS = Object.freeze({ waitForTrailers: true });
const END_STREAM = Object.freeze({ endStream: true });

/** One call on the server: request decoding, response encoding, status, deadline and cancellation. */
export class ServerCall {
  readonly method: MethodDescriptor;
  readonly peer: string;
  readonly #stream: ServerHttp2Stream;
  readonly #headers: IncomingHttpHeaders;
  readonly #env: ServerCallEnvironment;
  readonly #deadline = new CallDeadline();
  #phase: ResponsePhase = 'idle';
  #metadata: Metadata | undefined;
  #requests: RequestDecoder | undefined;
  #receiver: RequestReceiver | undefined;
  /** A request message is being inflated off the event loop; later frames wait (see #hold). */
  #inflating = false;
  #endPending = false;
  #pausedByReceiver = false;
  readonly #budget: RequestBudget;
  #responses: ResponseEncoder | undefined;
  #writer: ResponseWriter | undefined;
  #initialMetadata: Metadata | undefined;
  #trailingMetadata: Metadata | undefined;
  #code: Status = Status.OK;
  #message = '';
  /** Computed with the status; node:http2 asks for them ('wantTrailers') once the last data frame is out. */
  #trailers: OutgoingHeaders | undefined;
  /** The server interceptors following this call; undefined (no work) when the server has none. */
  hooks: ServerCallHooks | undefined;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: MethodDescriptor, peer: string, env: ServerCallEnvironment,
    budget: RequestBudget = UNLIMITED_BUDGET) {
    this.#budget = budget;
    this.#stream = stream;
    this.#headers = headers;
    this.method = method;
    this.peer = peer;
    this.#env = env;
  }

  /**
   * Takes the parsed request headers (parseRequestHeaders) and arms the deadline; false when the call already
   * ended: the headers were refused, or the deadline had passed.
   */
  start(request: ParsedRequestHeaders | GrpcError): boolean {
    if (request instanceof GrpcError) {
      this.fail(request);
      return false;
    }
    const env = this.#env;
    this.#requests = new RequestDecoder(this.method, request.requestCodec, env.maxReceiveMessageLength, this.#budget);
    this.#responses = new ResponseEncoder(this.method, env.maxSendMessageLength, request.responseCodec, request.acceptedEncodings);
    this.#writer = new ResponseWriter(this.#stream, this.#responses);
    this.#stream.on('close', this.#onClose);
    this.#deadline.start(request.timeoutMs, this.#onDeadline);
    return this.#phase !== 'closed';
  }

  // ---- Request: stream -> frames -> messages -> receiver ----

  /** Starts reading request frames into `receiver`. */
  readRequests(receiver: RequestReceiver): void {
    if (this.#receiver !== undefined) throw new Error('The request stream of a call can be read only once');
    this.#receiver = receiver;
    if (this.#phase === 'closed') {
      receiver.cancelled();
      return;
    }
    this.#stream.on('data', this.#onData);
    this.#stream.on('end', this.#onEnd);
  }

  /**
   * Stops reading the request stream: node:http2 then stops returning the stream's flow-control window, so the
   * client stops sending once the window is used up (RFC 9113 5.2).
   */
  pauseRequests(): void {
    this.#pausedByReceiver = true;
    this.#stream.pause();
  }

  resumeRequests(): void {
    this.#pausedByReceiver = false;
    // An inflation in progress holds the stream: it resumes it when done.
    if (!this.#inflating) this.#stream.resume();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#phase === 'closed') return;
    const frames = this.#requests!.push(chunk);
    if (frames instanceof GrpcError) this.#failRequest(frames);
    else this.#deliver(frames, 0);
  };

  /** Hands frames[from..] to the receiver in order; one inflated off the loop holds the rest, and the stream. */
  #deliver(frames: readonly Frame[], from: number): void {
    const requests = this.#requests!;
    for (let i = from; i < frames.length; i++) {
      const message = requests.decode(frames[i]!);
      if (message instanceof Promise) {
        this.#hold(message, frames, i + 1);
        return;
      }
      // The call may have ended (a second unary message, or the handler answered at once).
      if (!this.#receive(message, frames[i]!.data.length)) return;
    }
  }

  /** False when the call ended on this message. */
  #receive(message: object | GrpcError, wireBytes: number): boolean {
    if (message instanceof GrpcError) {
      this.#failRequest(message);
      return false;
    }
    if (this.hooks !== undefined) this.hooks.received(message, wireBytes);
    const refused = this.#receiver!.message(message);
    if (refused !== undefined) this.fail(refused);
    return !this.closed;
  }

  /** Order is kept by reading nothing more until the message being inflated was handed over. */
  #hold(pending: Promise<object | GrpcError>, frames: readonly Frame[], next: number): void {
    const wireBytes = frames[next - 1]!.data.length;
    this.#inflating = true;
    this.#stream.pause();
    void pending.then((message) => {
      this.#inflating = false;
      if (this.#phase === 'closed' || !this.#receive(message, wireBytes)) return;
      this.#deliver(frames, next);
      if (this.#inflating || this.closed) return;
      if (!this.#pausedByReceiver) this.#stream.resume();
      if (this.#endPending) this.#onEnd();
    });
  }

  readonly #onEnd = (): void => {
    if (this.#phase === 'closed') return;
    if (this.#inflating) {
      this.#endPending = true;
      return;
    }
    // node:http2 emits 'end' before 'close' when the peer resets the stream or drops the
    // connection: that is a cancel, not a half-close the handler may answer.
    if (this.#stream.aborted || this.#stream.destroyed) {
      this.#onClose();
      return;
    }
    const error = this.#requests!.end();
    if (error !== undefined) {
      this.#failRequest(error);
      return;
    }
    const refused = this.#receiver!.end();
    if (refused !== undefined) this.fail(refused);
  };

  #failRequest(error: GrpcError): void {
    this.#stream.off('data', this.#onData);
    this.fail(error);
    // The handler may still be running on a request it will never complete: tell it to stop.
    this.#deadline.cancel(error);
    this.#receiver!.failed(error);
  }

  // ---- What the handler's context reads and sets ----

  get metadata(): Metadata {
    // Parsed on first use: many handlers never read metadata.
    return (this.#metadata ??= metadataFromHeaders(this.#headers));
  }

  /** The client's TLS certificate (mutual TLS); undefined on plaintext or when the client sent none. */
  get peerCertificate(): PeerCertificate | undefined {
    const socket = this.#stream.session?.socket;
    if (!(socket instanceof TLSSocket)) return undefined;
    // getPeerCertificate() gives an empty object, not null, when the client presented no certificate.
    const certificate = socket.getPeerCertificate();
    return certificate === null || Object.keys(certificate).length === 0 ? undefined : certificate;
  }

  get deadline(): number | undefined {
    return this.#deadline.deadline;
  }

  get signal(): AbortSignal {
    return this.#deadline.signal;
  }

  get cancelled(): boolean {
    return this.#deadline.cancelled;
  }

  get closed(): boolean {
    return this.#phase === 'closed';
  }

  /** Whether the request message decoded last (the one a receiver is being handed) arrived compressed. */
  get requestCompressed(): boolean {
    return this.#requests?.compressed ?? false;
  }

  /** See ResponseEncoder.setCompression. */
  setResponseCompression(encoding: EncodingName): void {
    this.#responses!.setCompression(encoding);
  }

  setTrailingMetadata(metadata: MetadataInit): void {
    const trailing = (this.#trailingMetadata ??= new Metadata());
    for (const [key, value] of Metadata.from(metadata).entries()) trailing.add(key, value);
  }

  setCode(code: Status): void {
    this.#code = code;
  }

  setMessage(message: string): void {
    this.#message = message;
  }

  // ---- Response: headers -> messages -> frames -> stream ----

  sendMetadata(metadata: MetadataInit): void {
    if (this.#phase !== 'idle') throw new Error('Response metadata was already sent');
    this.#initialMetadata = Metadata.from(metadata);
    if (this.#gone()) return;
    this.#sendHeaders();
  }

  #sendHeaders(): void {
    const headers = buildResponseHeaders(this.#responses!.fixEncoding(), this.#initialMetadata);
    this.#phase = 'sending';
    this.#stream.respond(headers, RESPOND_OPTIONS);
    this.#stream.on('wantTrailers', this.#onWantTrailers);
  }

  /** Sends one response message (see ResponseWriter); false when the caller should wait for `drained()` before the next. */
  write(value: unknown): boolean {
    if (this.#phase === 'closed' || this.#gone()) return false;
    const writer = this.#writer!;
    const error = writer.queue(value);
    if (error !== undefined) {
      this.fail(error);
      return false;
    }
    if (this.hooks !== undefined) this.hooks.sent(value, writer.queuedBytes);
    if (this.#phase === 'idle') this.#sendHeaders();
    writer.send();
    return writer.ready;
  }

  /** Resolves once the stream can take more data, or the call is closed. */
  drained(): Promise<void> {
    if (this.#phase === 'closed' || !this.#stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#stream.off('drain', done);
        this.#stream.off('close', done);
        resolve();
      };
      this.#stream.on('drain', done);
      this.#stream.on('close', done);
    });
  }

  // ---- Status: the one end of every call ----

  /** Sends the last response message and the status the handler set (OK by default), in one write where possible. */
  finishWith(value: unknown): void {
    if (this.#phase === 'closed' || this.#gone()) return;
    if (this.#code !== Status.OK) {
      // A handler that set an error status through its context sends no response message.
      this.finish();
      return;
    }
    if ((value === undefined || value === null) && !takesNoValue(this.method)) {
      // A forgotten return (a "not found" path) must not reach the caller as an empty success.
      this.fail(new GrpcError(Status.INTERNAL, `${this.method.path}: the handler returned ${String(value)}, not a response message`));
      return;
    }
    const frame = this.#responses!.encode(value);
    if (frame instanceof GrpcError) {
      this.fail(frame);
      return;
    }
    if (this.hooks !== undefined) {
      this.hooks.sent(value, frame.length - FRAME_PREFIX_LENGTH);
      this.hooks.ended(Status.OK, this.#message, undefined);
    }
    if (this.#phase === 'idle') this.#sendHeaders();
    this.#trailers = buildTrailers(Status.OK, this.#message, this.#trailingMetadata);
    this.#close();
    this.#stream.end(frame);
  }

  /** Ends the call with the status the handler set through its context (OK by default). */
  finish(): void {
    this.#sendStatus(this.#code, this.#message, undefined);
  }

  /** Ends the call with `error`'s status; its metadata joins the trailing metadata the handler set. */
  fail(error: GrpcError): void {
    this.#sendStatus(error.code, error.message, error);
  }

  #sendStatus(code: Status, message: string, error: GrpcError | undefined): void {
    if (this.#phase === 'closed') return;
    const trailers = buildTrailers(code, message, this.#trailingMetadata, error);
    const trailersOnly = this.#phase === 'idle';
    if (this.hooks !== undefined) this.hooks.ended(code, message, error);
    this.#close();
    const stream = this.#stream;
    if (stream.destroyed) return;
    if (trailersOnly) {
      // The spec asks for UNIMPLEMENTED plus the encodings we do accept, so the client can retry.
      stream.respond(buildTrailersOnly(trailers, code === Status.UNIMPLEMENTED), END_STREAM);
      this.#stopReceiving();
    } else {
      this.#trailers = trailers;
      this.#writer!.flush();
      stream.end();
    }
  }

  readonly #onWantTrailers = (): void => {
    if (this.#trailers === undefined) return;
    this.#stream.sendTrailers(this.#trailers);
    this.#stopReceiving();
  };

  /**
   * After the final status, a client still sending would hold the stream open for nothing:
   * RST_STREAM NO_ERROR asks it to stop (RFC 9113 8.1), queued behind the frames already sent.
   */
  #stopReceiving(): void {
    const stream = this.#stream;
    if (!stream.readableEnded && !stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
  }

  #close(): void {
    this.#phase = 'closed';
    this.#requests?.release();
    this.#deadline.stop();
    this.#responses?.finish();
  }

  // ---- Ends that come from outside: the deadline, the client ----

  readonly #onDeadline = (): void => {
    if (this.#phase === 'closed') return;
    const error = deadlineExceeded();
    this.fail(error);
    this.#deadline.cancel(error);
    this.#receiver?.cancelled();
  };

  readonly #onClose = (): void => {
    if (this.#phase === 'closed') return;
    // The stream closed before we sent a status: the client reset it or the connection dropped.
    if (this.hooks !== undefined) this.hooks.ended(Status.CANCELLED, 'Cancelled by client', undefined);
    this.#close();
    this.#deadline.cancel(cancelledByClient());
    this.#receiver?.cancelled();
  };

  /** A stream destroyed under us counts as a client cancel; true when that happened. */
  #gone(): boolean {
    if (!this.#stream.destroyed) return false;
    this.#onClose();
    return true;
  }
}
