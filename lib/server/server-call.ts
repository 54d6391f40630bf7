// One HTTP/2 stream = one call (PROTOCOL-HTTP2 "Requests" and "Responses"), in the order its data flows:
// request frames -> decoded messages -> the receiver dispatch gave it (RequestReader); response messages -> frames
// -> the stream (ResponseSender); then exactly one status. Only this class ends a call; the deadline is CallDeadline's.
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { TLSSocket } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { EncodingName } from '../protocol/compression.js';
import { FRAME_PREFIX_LENGTH } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Metadata, metadataFromHeaders } from '../protocol/metadata.js';
import type { MetadataInit } from '../protocol/metadata.js';
import type { ParsedRequestHeaders } from '../protocol/request-headers.js';
import { buildTrailers } from '../protocol/response-headers.js';
import { Status } from '../protocol/status.js';
import { takesNoValue } from '../schema/descriptors.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import { CallDeadline, cancelledByClient, deadlineExceeded } from './deadline.js';
import { RequestDecoder, UNLIMITED_BUDGET } from './request-decoder.js';
import type { RequestBudget } from './request-decoder.js';
import { RequestReader } from './request-reader.js';
import type { RequestOutcomes, RequestReceiver } from './request-reader.js';
import { ResponseEncoder } from './response-encoder.js';
import { ResponseSender } from './response-sender.js';
import type { ServerCallHooks } from './server-interceptor.js';
import type { ServerCallEnvironment } from './server-options.js';

/** One call on the server: request decoding, response encoding, status, deadline and cancellation. */
export class ServerCall implements RequestOutcomes {
  readonly #stream: ServerHttp2Stream;
  readonly #headers: IncomingHttpHeaders;
  readonly #env: ServerCallEnvironment;
  readonly #deadline = new CallDeadline();
  readonly #response: ResponseSender;
  #metadata: Metadata | undefined;
  #requests: RequestReader | undefined;
  readonly #budget: RequestBudget;
  #trailingMetadata: Metadata | undefined;
  #code: Status = Status.OK;
  #message = '';
  /** The server interceptors following this call; undefined (no work) when the server has none. */
  hooks: ServerCallHooks | undefined;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, readonly method: MethodDescriptor, readonly peer: string,
    env: ServerCallEnvironment, budget: RequestBudget = UNLIMITED_BUDGET) {
    this.#budget = budget;
    this.#stream = stream;
    this.#response = new ResponseSender(stream);
    this.#headers = headers;
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
    const { maxReceiveMessageLength, maxSendMessageLength } = this.#env;
    const decoder = new RequestDecoder(this.method, request.requestCodec, maxReceiveMessageLength, this.#budget);
    this.#requests = new RequestReader(this.#stream, decoder, this.hooks, this);
    this.#response.open(new ResponseEncoder(this.method, maxSendMessageLength, request.responseCodec, request.acceptedEncodings));
    this.#stream.on('close', this.cancelledByClient);
    this.#deadline.start(request.timeoutMs, this.#onDeadline);
    return !this.#response.closed;
  }

  // ---- Request: stream -> frames -> messages -> receiver (RequestReader) ----

  /** Starts reading request frames into `receiver`. */
  readRequests(receiver: RequestReceiver): void {
    this.#requests!.read(receiver);
  }

  /** HTTP/2 flow control then holds the client back (see RequestReader.pause). */
  pauseRequests(): void {
    this.#requests!.pause();
  }

  resumeRequests(): void {
    this.#requests!.resume();
  }

  /** RequestOutcomes: the request stream cannot be read; the handler may still be running, so it is told to stop. */
  failRequest(error: GrpcError): void {
    this.fail(error);
    this.#deadline.cancel(error);
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
    return this.#response.closed;
  }

  /** Whether the request message decoded last (the one a receiver is being handed) arrived compressed. */
  get requestCompressed(): boolean {
    return this.#requests?.compressed ?? false;
  }

  /** The encoding the next response message goes out with ('identity': uncompressed). */
  get responseCompression(): EncodingName {
    return this.#response.compression;
  }

  /** See ResponseEncoder.setCompression. */
  setResponseCompression(encoding: EncodingName): void {
    this.#response.setCompression(encoding);
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

  // ---- Response: headers -> messages -> frames -> stream (ResponseSender) ----

  sendMetadata(metadata: MetadataInit): void {
    this.#response.setMetadata(metadata);
    if (this.#gone()) return;
    this.#response.sendHeaders();
  }

  /** Sends one response message (see ResponseWriter); false when the caller should wait for `drained()` before the next. */
  write(value: unknown): boolean {
    if (this.#response.closed || this.#gone()) return false;
    const sent = this.#response.write(value, this.hooks);
    if (typeof sent !== 'boolean') this.fail(sent);
    return sent === true;
  }

  /** Resolves once the stream can take more data, or the call is closed. */
  drained(): Promise<void> {
    return this.#response.drained();
  }

  // ---- Status: the one end of every call ----

  /** Sends the last response message and the status the handler set (OK by default), in one write where possible. */
  finishWith(value: unknown): void {
    if (this.#response.closed || this.#gone()) return;
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
    const frame = this.#response.encode(value);
    if (frame instanceof GrpcError) {
      this.fail(frame);
      return;
    }
    if (this.hooks !== undefined) {
      this.hooks.sent(value, frame.length - FRAME_PREFIX_LENGTH);
      this.hooks.ended(Status.OK, this.#message, undefined);
    }
    if (this.#response.idle) this.#response.sendHeaders();
    const trailers = buildTrailers(Status.OK, this.#message, this.#trailingMetadata);
    // Closed before the end is written: a web stream asks for the trailers, and may close, within end().
    this.#close();
    this.#response.endWith(frame, trailers);
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
    const response = this.#response;
    if (response.closed) return;
    const trailers = buildTrailers(code, message, this.#trailingMetadata, error);
    const trailersOnly = response.idle;
    if (this.hooks !== undefined) this.hooks.ended(code, message, error);
    this.#close();
    response.endWithStatus(trailers, trailersOnly, code === Status.UNIMPLEMENTED);
  }

  #close(): void {
    this.#response.close();
    this.#requests?.stop();
    this.#deadline.stop();
  }

  // ---- Ends that come from outside: the deadline, the client ----

  readonly #onDeadline = (): void => {
    if (this.#response.closed) return;
    const error = deadlineExceeded();
    this.fail(error);
    this.#deadline.cancel(error);
    this.#requests?.cancelled();
  };

  /** RequestOutcomes, and the stream's 'close': the client reset the stream or the connection dropped before a status. */
  readonly cancelledByClient = (): void => {
    if (this.#response.closed) return;
    if (this.hooks !== undefined) this.hooks.ended(Status.CANCELLED, 'Cancelled by client', undefined);
    this.#close();
    this.#deadline.cancel(cancelledByClient());
    this.#requests?.cancelled();
  };

  /** A stream destroyed under us counts as a client cancel; true when that happened. */
  #gone(): boolean {
    if (!this.#stream.destroyed) return false;
    this.cancelledByClient();
    return true;
  }
}
