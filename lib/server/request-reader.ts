// A served call's request side, as its data flows (PROTOCOL-HTTP2 "Requests"): stream 'data' -> frames -> messages,
// a large compressed one inflated off the event loop with the stream held so order is kept -> the receiver dispatch
// gave; 'end' -> the receiver's end. It reports what happened; the call alone ends the call.
import type { ServerHttp2Stream } from 'node:http2';
import type { Frame } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import type { RequestDecoder } from './request-decoder.js';
import type { ServerCallHooks } from './server-interceptor.js';

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

/** What the reader tells its call. */
export interface RequestOutcomes {
  /** The receiver refused a message or the end: end the call with `error`'s status. */
  fail(error: GrpcError): void;
  /** The request stream cannot be read (framing, size, decoding): end the call and stop its handler. */
  failRequest(error: GrpcError): void;
  /** 'end' came with a reset or a dropped connection: a cancel, not a half-close the handler may answer. */
  cancelledByClient(): void;
}

/** Reads one call's request stream into its receiver, once. */
export class RequestReader {
  #receiver: RequestReceiver | undefined;
  /** The call ended: nothing more is read or handed over. */
  #stopped = false;
  /** A request message is being inflated off the event loop; later frames wait (see #hold). */
  #inflating = false;
  #endPending = false;
  #pausedByReceiver = false;

  constructor(private readonly stream: ServerHttp2Stream, private readonly decoder: RequestDecoder,
    private readonly hooks: ServerCallHooks | undefined, private readonly call: RequestOutcomes) {}

  /** Starts reading request frames into `receiver`. */
  read(receiver: RequestReceiver): void {
    if (this.#receiver !== undefined) throw new Error('The request stream of a call can be read only once');
    this.#receiver = receiver;
    if (this.#stopped) {
      receiver.cancelled();
      return;
    }
    this.stream.on('data', this.#onData);
    this.stream.on('end', this.#onEnd);
  }

  /**
   * Stops reading the request stream: node:http2 then stops returning the stream's flow-control window, so the
   * client stops sending once the window is used up (RFC 9113 5.2).
   */
  pause(): void {
    this.#pausedByReceiver = true;
    this.stream.pause();
  }

  resume(): void {
    this.#pausedByReceiver = false;
    // An inflation in progress holds the stream: it resumes it when done.
    if (!this.#inflating) this.stream.resume();
  }

  /** Whether the request message decoded last (the one a receiver is being handed) arrived compressed. */
  get compressed(): boolean {
    return this.decoder.compressed;
  }

  /** The call ended: read nothing more and give back what the decoder holds. */
  stop(): void {
    this.#stopped = true;
    this.decoder.release();
  }

  /** The call ended from outside (deadline, client): a receiver reading is told no more messages come. */
  cancelled(): void {
    this.#receiver?.cancelled();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#stopped) return;
    const frames = this.decoder.push(chunk);
    if (frames instanceof GrpcError) this.#fail(frames);
    else this.#deliver(frames, 0);
  };

  /** Hands frames[from..] to the receiver in order; one inflated off the loop holds the rest, and the stream. */
  #deliver(frames: readonly Frame[], from: number): void {
    const decoder = this.decoder;
    for (let i = from; i < frames.length; i++) {
      const message = decoder.decode(frames[i]!);
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
      this.#fail(message);
      return false;
    }
    if (this.hooks !== undefined) this.hooks.received(message, wireBytes);
    const refused = this.#receiver!.message(message);
    if (refused !== undefined) this.call.fail(refused);
    return !this.#stopped;
  }

  /** Order is kept by reading nothing more until the message being inflated was handed over. */
  #hold(pending: Promise<object | GrpcError>, frames: readonly Frame[], next: number): void {
    const wireBytes = frames[next - 1]!.data.length;
    this.#inflating = true;
    this.stream.pause();
    void pending.then((message) => {
      this.#inflating = false;
      if (this.#stopped || !this.#receive(message, wireBytes)) return;
      this.#deliver(frames, next);
      if (this.#inflating || this.#stopped) return;
      if (!this.#pausedByReceiver) this.stream.resume();
      if (this.#endPending) this.#onEnd();
    });
  }

  readonly #onEnd = (): void => {
    if (this.#stopped) return;
    if (this.#inflating) {
      this.#endPending = true;
      return;
    }
    // node:http2 emits 'end' before 'close' when the peer resets the stream or drops the connection.
    if (this.stream.aborted || this.stream.destroyed) {
      this.call.cancelledByClient();
      return;
    }
    const error = this.decoder.end();
    if (error !== undefined) {
      this.#fail(error);
      return;
    }
    const refused = this.#receiver!.end();
    if (refused !== undefined) this.call.fail(refused);
  };

  #fail(error: GrpcError): void {
    this.stream.off('data', this.#onData);
    this.call.failRequest(error);
    // The handler may still be running on a request it will never complete: tell it to stop.
    this.#receiver!.failed(error);
  }
}
