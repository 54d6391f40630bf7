// A served call's response onto its HTTP/2 stream (PROTOCOL-HTTP2 "Responses"): the headers once, then the messages
// (ResponseWriter batches them), then the trailers when node:http2 asks for them; or a trailers-only answer while
// nothing was sent. It writes what the call decided: which status, and when the call ends, are ServerCall's.
import { constants } from 'node:http2';
import type { ServerHttp2Stream } from 'node:http2';
import type { EncodingName } from '../protocol/compression.js';
import type { GrpcError } from '../protocol/grpc-error.js';
import { Metadata } from '../protocol/metadata.js';
import type { MetadataInit } from '../protocol/metadata.js';
import { buildResponseHeaders, buildTrailersOnly } from '../protocol/response-headers.js';
import type { OutgoingHeaders } from '../protocol/response-headers.js';
import type { ResponseEncoder } from './response-encoder.js';
import { ResponseWriter } from './response-writer.js';
import type { ServerCallHooks } from './server-interceptor.js';

// 'idle': nothing sent yet, so a failure can be a trailers-only response.
// 'sending': headers are out and messages may follow. 'closed': status sent, or the stream is gone.
type ResponsePhase = 'idle' | 'sending' | 'closed';

const RESPOND_OPTIONS = Object.freeze({ waitForTrailers: true });
const END_STREAM = Object.freeze({ endStream: true });

/** Headers, messages and trailers of one call, in that order, each once. */
export class ResponseSender {
  #phase: ResponsePhase = 'idle';
  #encoder: ResponseEncoder | undefined;
  #writer: ResponseWriter | undefined;
  #initialMetadata: Metadata | undefined;
  /** Computed with the status; node:http2 asks for them ('wantTrailers') once the last data frame is out. */
  #trailers: OutgoingHeaders | undefined;

  constructor(private readonly stream: ServerHttp2Stream) {}

  /** The encoding negotiated from the request headers is known: messages may be sent from now on. */
  open(encoder: ResponseEncoder): void {
    this.#encoder = encoder;
    this.#writer = new ResponseWriter(this.stream, encoder);
  }

  /** Nothing has been sent: a status now is a trailers-only response. */
  get idle(): boolean {
    return this.#phase === 'idle';
  }

  get closed(): boolean {
    return this.#phase === 'closed';
  }

  /** See ResponseEncoder.compression. */
  get compression(): EncodingName {
    return this.#encoder?.compression ?? 'identity';
  }

  /** See ResponseEncoder.setCompression. */
  setCompression(encoding: EncodingName): void {
    this.#encoder!.setCompression(encoding);
  }

  /** Keeps the handler's response metadata for the headers; throws once they are out. */
  setMetadata(metadata: MetadataInit): void {
    if (this.#phase !== 'idle') throw new Error('Response metadata was already sent');
    this.#initialMetadata = Metadata.from(metadata);
  }

  sendHeaders(): void {
    const headers = buildResponseHeaders(this.#encoder!.fixEncoding(), this.#initialMetadata);
    this.#phase = 'sending';
    this.stream.respond(headers, RESPOND_OPTIONS);
    this.stream.on('wantTrailers', this.#onWantTrailers);
  }

  /** Sends one message (headers first if none went out): the error to end the call with, or whether to go on. */
  write(value: unknown, hooks: ServerCallHooks | undefined): GrpcError | boolean {
    const writer = this.#writer!;
    const error = writer.queue(value);
    if (error !== undefined) return error;
    if (hooks !== undefined) hooks.sent(value, writer.queuedBytes);
    if (this.#phase === 'idle') this.sendHeaders();
    writer.send();
    return writer.ready;
  }

  /** A message framed alone, to go out with the end of the stream; or the error to end the call with. */
  encode(value: unknown): Buffer | GrpcError {
    return this.#encoder!.encode(value);
  }

  /** Resolves once the stream can take more data, or the call is closed. */
  drained(): Promise<void> {
    if (this.#phase === 'closed' || !this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  /** The call has ended: nothing more is sent but what endWith/endWithStatus write next. */
  close(): void {
    this.#phase = 'closed';
    this.#encoder?.finish();
  }

  /** The last message and the stream's end in one write; the trailers follow when node:http2 asks. */
  endWith(frame: Buffer, trailers: OutgoingHeaders): void {
    this.#trailers = trailers;
    this.stream.end(frame);
  }

  /**
   * The status: alone as a trailers-only response when nothing was sent (`trailersOnly`), else as trailers after
   * what is batched. `unimplemented`: the spec asks for UNIMPLEMENTED plus the encodings we accept, so the client can retry.
   */
  endWithStatus(trailers: OutgoingHeaders, trailersOnly: boolean, unimplemented: boolean): void {
    const stream = this.stream;
    if (stream.destroyed) return;
    if (trailersOnly) {
      stream.respond(buildTrailersOnly(trailers, unimplemented), END_STREAM);
      this.#stopReceiving();
    } else {
      this.#trailers = trailers;
      this.#writer!.flush();
      stream.end();
    }
  }

  readonly #onWantTrailers = (): void => {
    if (this.#trailers === undefined) return;
    const stream = this.stream;
    stream.sendTrailers(this.#trailers);
    // Not in this turn: a RST_STREAM submitted now goes out in place of the trailers just submitted (on the wire:
    // DATA, RST_STREAM NO_ERROR, no trailers; the client reads INTERNAL "Call ended without gRPC status"), when a
    // handler left the request stream unread (take(1) on a client still sending). The next turn they are out.
    if (!stream.readableEnded) setImmediate(() => this.#stopReceiving());
  };

  /**
   * After the final status, a client still sending would hold the stream open for nothing:
   * RST_STREAM NO_ERROR asks it to stop (RFC 9113 8.1), queued behind the frames already sent.
   */
  #stopReceiving(): void {
    const stream = this.stream;
    if (!stream.readableEnded && !stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
  }
}
