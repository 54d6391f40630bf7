// One HTTP/2 stream = one call (PROTOCOL-HTTP2 "Requests" and "Responses"): decodes request frames,
// then writes response headers, messages and trailers, ending with exactly one status.
import { constants } from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { TLSSocket } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import { ACCEPT_ENCODING, chooseResponseEncoding, findCodec, parseEncodingList } from '../protocol/compression.js';
import type { Codec, EncodingName } from '../protocol/compression.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { GRPC_CONTENT_TYPE } from '../protocol/headers.js';
import { Metadata, metadataFromHeaders, metadataToHeaders } from '../protocol/metadata.js';
import type { MetadataInit } from '../protocol/metadata.js';
import { Status } from '../protocol/status.js';
import { parseTimeout } from '../protocol/timeout.js';
import { statusToTrailers } from '../protocol/trailers.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import { startDeadline } from './deadline.js';
import type { DeadlineTimer } from './deadline.js';
import { RequestDecoder, ResponseEncoder } from './message-io.js';
import { ResponseWriter } from './response-writer.js';

/** Limits and defaults a server applies to every call. */
export interface CallLimits {
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
  readonly defaultCompression: EncodingName | undefined;
}

/** Receives a call's decoded request messages in order. */
export interface RequestSink {
  message(value: unknown): void;
  /** No more messages: the client half-closed, cancelled, or the deadline passed. */
  end(): void;
  /** The request stream could not be read; the call has already ended with this status. */
  error(error: GrpcError): void;
}

// 'idle': nothing sent yet, so a failure can be a trailers-only response.
// 'sending': headers are out and messages may follow. 'closed': status sent, or the stream is gone.
type ResponsePhase = 'idle' | 'sending' | 'closed';

/** One call on the server: request decoding, response encoding, status, deadline and cancellation. */
export class ServerCall {
  readonly method: MethodDescriptor;
  readonly peer: string;
  readonly #stream: ServerHttp2Stream;
  readonly #headers: IncomingHttpHeaders;
  readonly #limits: CallLimits;
  #phase: ResponsePhase = 'idle';
  #metadata: Metadata | undefined;
  #requestCodec: Codec | undefined;
  #requests: RequestDecoder | undefined;
  readonly #responses: ResponseEncoder;
  readonly #writer: ResponseWriter;
  #sink: RequestSink | undefined;
  #deadline: DeadlineTimer | undefined;
  #initialMetadata: Metadata | undefined;
  #trailingMetadata: Metadata | undefined;
  #trailers: OutgoingHttpHeaders | undefined;
  #code: Status = Status.OK;
  #message = '';
  #abort: AbortController | undefined;
  #abortReason: GrpcError | undefined;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: MethodDescriptor, peer: string, limits: CallLimits) {
    this.#stream = stream;
    this.#headers = headers;
    this.method = method;
    this.peer = peer;
    this.#limits = limits;
    this.#responses = new ResponseEncoder(method, limits.maxSendMessageLength);
    this.#writer = new ResponseWriter(stream, this.#responses, this.#beforeSend);
  }

  /** The client's TLS certificate (mutual TLS); undefined on plaintext or when the client sent none. */
  get peerCertificate(): PeerCertificate | undefined {
    const socket = this.#stream.session?.socket;
    if (!(socket instanceof TLSSocket)) return undefined;
    // getPeerCertificate() gives an empty object, not null, when the client presented no certificate.
    const certificate = socket.getPeerCertificate();
    return certificate === null || Object.keys(certificate).length === 0 ? undefined : certificate;
  }

  /** Validates the request headers and arms the deadline; false when the call already ended with an error. */
  start(): boolean {
    const headers = this.#headers;
    const requestEncoding = headerString(headers['grpc-encoding']) ?? 'identity';
    if (requestEncoding !== 'identity') {
      this.#requestCodec = findCodec(requestEncoding);
      if (this.#requestCodec === undefined) {
        // The spec asks for UNIMPLEMENTED plus the encodings we do accept, so the client can retry.
        this.sendStatus(new GrpcError(Status.UNIMPLEMENTED, `Unsupported grpc-encoding: ${requestEncoding}`));
        return false;
      }
    }
    const responseEncoding = chooseResponseEncoding(
      requestEncoding, parseEncodingList(headers['grpc-accept-encoding']), this.#limits.defaultCompression);
    if (responseEncoding !== 'identity') this.#responses.messageCodec = this.#responses.headerCodec = findCodec(responseEncoding);

    this.#stream.on('close', this.#onClose);
    const timeout = headerString(headers['grpc-timeout']);
    if (timeout !== undefined) {
      const parsed = parseTimeout(timeout);
      if ('error' in parsed) {
        this.sendStatus(parsed.error);
        return false;
      }
      this.#deadline = startDeadline(parsed.value, this.#onDeadline);
      if (this.#phase === 'closed') return false;
    }
    return true;
  }

  get metadata(): Metadata {
    // Parsed on first use: many handlers never read metadata.
    return (this.#metadata ??= metadataFromHeaders(this.#headers));
  }

  get deadline(): number | undefined {
    return this.#deadline?.deadline;
  }

  get closed(): boolean {
    return this.#phase === 'closed';
  }

  get cancelled(): boolean {
    return this.#abortReason !== undefined;
  }

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      // Created on first use: most calls finish without anyone listening for cancellation.
      this.#abort = new AbortController();
      if (this.#abortReason !== undefined) this.#abort.abort(this.#abortReason);
    }
    return this.#abort.signal;
  }

  /** Whether the request message decoded last (the one a sink is being handed) arrived compressed. */
  get requestCompressed(): boolean {
    return this.#requests?.compressed ?? false;
  }

  /**
   * Compresses the following response messages with `encoding`, or sends them uncompressed ('identity').
   * The headers fix the call's grpc-encoding: before they go out any encoding the client accepts may be
   * chosen (one it does not accept means identity); after, only theirs or 'identity'.
   */
  setResponseCompression(encoding: EncodingName): void {
    const codec = encoding === 'identity' ? undefined : findCodec(encoding);
    if (codec === undefined && encoding !== 'identity') throw new TypeError(`Unsupported compression: ${String(encoding)}`);
    if (this.#phase === 'closed') return;
    const responses = this.#responses;
    if (this.#phase === 'idle') {
      const accepted = codec !== undefined && parseEncodingList(this.#headers['grpc-accept-encoding']).includes(codec.name);
      responses.messageCodec = responses.headerCodec = accepted ? codec : undefined;
    } else if (codec === undefined || codec === responses.headerCodec) {
      responses.messageCodec = codec;
    } else {
      throw new Error(`The response headers already name grpc-encoding ${responses.headerCodec?.name ?? 'identity'}, not ${codec.name}`);
    }
  }

  /** Starts reading request frames into `sink`. */
  readRequests(sink: RequestSink): void {
    if (this.#sink !== undefined) throw new Error('The request stream of a call can be read only once');
    this.#sink = sink;
    if (this.#phase === 'closed') {
      sink.end();
      return;
    }
    this.#requests = new RequestDecoder(this.method, this.#requestCodec, this.#limits.maxReceiveMessageLength);
    this.#stream.on('data', this.#onData);
    this.#stream.on('end', this.#onEnd);
  }

  sendMetadata(metadata: MetadataInit): void {
    if (this.#phase !== 'idle') throw new Error('Response metadata was already sent');
    this.#initialMetadata = Metadata.from(metadata);
    if (this.#gone()) return;
    this.#sendHeaders();
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

  /** The status the handler set through its context; OK unless it said otherwise. */
  get contextStatus(): Status {
    return this.#code;
  }

  /** Sends one response message (see ResponseWriter); false when the caller should wait for `drained()` before the next. */
  write(value: unknown): boolean {
    if (this.#phase === 'closed' || this.#gone()) return false;
    const error = this.#writer.write(value);
    if (error !== undefined) {
      this.sendStatus(error);
      return false;
    }
    return this.#writer.ready;
  }

  readonly #beforeSend = (): void => {
    if (this.#phase === 'idle') this.#sendHeaders();
  };

  /** Sends the last response message and the status the context holds, in one write where possible. */
  finishWith(value: unknown): void {
    if (this.#phase === 'closed' || this.#gone()) return;
    if (this.#code !== Status.OK) {
      // A handler that set an error status through its context sends no response message.
      this.finish();
      return;
    }
    const frame = this.#encodeMessage(value);
    if (frame === undefined) return;
    if (this.#phase === 'idle') this.#sendHeaders();
    this.#phase = 'closed';
    this.#trailers = this.#buildTrailers(Status.OK, this.#message, undefined);
    this.#settle();
    this.#stream.end(frame);
  }

  /** Ends the call with the status the handler set through its context (OK by default). */
  finish(): void {
    this.sendStatus(undefined);
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

  /**
   * Ends the call with `error`'s status, or with the context's status when there is no error.
   * Error metadata joins the trailing metadata the handler set.
   */
  sendStatus(error: GrpcError | undefined): void {
    if (this.#phase === 'closed') return;
    const code = error === undefined ? this.#code : error.code;
    const message = error === undefined ? this.#message : error.message;
    const trailers = this.#buildTrailers(code, message, error);
    const trailersOnly = this.#phase === 'idle';
    this.#phase = 'closed';
    this.#settle();
    const stream = this.#stream;
    if (stream.destroyed) return;
    if (trailersOnly) {
      // Trailers-Only (PROTOCOL-HTTP2): one HEADERS frame with END_STREAM carries the status.
      const headers: OutgoingHttpHeaders = { ':status': 200, 'content-type': GRPC_CONTENT_TYPE, ...trailers };
      if (code === Status.UNIMPLEMENTED) headers['grpc-accept-encoding'] = ACCEPT_ENCODING;
      stream.respond(headers, { endStream: true });
      this.#stopReceiving();
    } else {
      this.#trailers = trailers;
      this.#writer.flush();
      stream.end();
    }
  }

  #buildTrailers(code: Status, message: string, error: GrpcError | undefined): OutgoingHttpHeaders {
    let metadata = this.#trailingMetadata;
    if (error !== undefined && error.metadata.size > 0) {
      metadata = metadata === undefined ? error.metadata : mergeMetadata(metadata, error.metadata);
    }
    if (code === Status.OK && message === '' && metadata === undefined && error === undefined) return OK_TRAILERS;
    const trailers: Record<string, string | string[]> = {};
    statusToTrailers({ code, message, metadata: metadata ?? EMPTY_METADATA, details: error?.details }, trailers);
    return trailers;
  }

  #sendHeaders(): void {
    const codec = this.#responses.headerCodec;
    let headers = codec === undefined ? RESPONSE_HEADERS : undefined;
    if (headers === undefined || this.#initialMetadata !== undefined) {
      const own: Record<string, string | string[]> = {};
      if (codec !== undefined) own['grpc-encoding'] = codec.name;
      if (this.#initialMetadata !== undefined) metadataToHeaders(this.#initialMetadata, own);
      headers = { ...RESPONSE_HEADERS, ...own };
    }
    this.#phase = 'sending';
    this.#stream.respond(headers, RESPOND_OPTIONS);
    this.#stream.on('wantTrailers', this.#onWantTrailers);
  }

  #encodeMessage(value: unknown): Buffer | undefined {
    const frame = this.#responses.encode(value);
    if (!(frame instanceof GrpcError)) return frame;
    this.sendStatus(frame);
    return undefined;
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#phase === 'closed') return;
    const requests = this.#requests!;
    const frames = requests.push(chunk);
    if (frames instanceof GrpcError) {
      this.#failRequest(frames);
      return;
    }
    for (const frame of frames) {
      const message = requests.decode(frame);
      if (message instanceof GrpcError) {
        this.#failRequest(message);
        return;
      }
      this.#sink!.message(message);
      // The sink may have ended the call (a second unary message, say).
      if (this.closed) return;
    }
  };

  readonly #onEnd = (): void => {
    if (this.#phase === 'closed') return;
    // node:http2 emits 'end' before 'close' when the peer resets the stream or drops the
    // connection: that is a cancel, not a half-close the handler may answer.
    if (this.#stream.aborted || this.#stream.destroyed) {
      this.#onClose();
      return;
    }
    const error = this.#requests!.end();
    if (error !== undefined) this.#failRequest(error);
    else this.#sink!.end();
  };

  #failRequest(error: GrpcError): void {
    this.#stream.off('data', this.#onData);
    this.sendStatus(error);
    // The handler may still be running on a request it will never complete: tell it to stop.
    this.#cancel(error);
    this.#sink!.error(error);
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

  readonly #onDeadline = (): void => {
    if (this.#phase === 'closed') return;
    const error = new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded');
    this.sendStatus(error);
    this.#cancel(error);
    this.#sink?.end();
  };

  readonly #onClose = (): void => {
    if (this.#phase === 'closed') return;
    // The stream closed before we sent a status: the client reset it or the connection dropped.
    this.#phase = 'closed';
    this.#settle();
    this.#cancel(new GrpcError(Status.CANCELLED, 'Cancelled by the client'));
    this.#sink?.end();
  };

  /** A stream destroyed under us counts as a client cancel; true when that happened. */
  #gone(): boolean {
    if (!this.#stream.destroyed) return false;
    this.#onClose();
    return true;
  }

  #cancel(reason: GrpcError): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#abort?.abort(reason);
  }

  #settle(): void {
    this.#deadline?.clear();
  }
}

const EMPTY_METADATA = new Metadata();

// Most calls send these exact headers and trailers; node:http2 copies what it is given, so they are shared.
const RESPONSE_HEADERS: OutgoingHttpHeaders = Object.freeze({
  ':status': 200,
  'content-type': GRPC_CONTENT_TYPE,
  'grpc-accept-encoding': ACCEPT_ENCODING,
});
const RESPOND_OPTIONS = Object.freeze({ waitForTrailers: true });
const OK_TRAILERS: OutgoingHttpHeaders = Object.freeze({ 'grpc-status': String(Status.OK) });

function mergeMetadata(first: Metadata, second: Metadata): Metadata {
  const merged = first.clone();
  for (const [key, value] of second.entries()) merged.add(key, value);
  return merged;
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
