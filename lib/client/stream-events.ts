// The listeners every client stream shares. Each finds its call on the stream itself: no closure per event and
// call. Detaching at the call's end also takes the call's objects out of the stream's graph: node:http2 streams
// often survive a scavenge or two, and what hangs off them is promoted with them.

import type { ClientHttp2Stream, IncomingHttpHeaders, IncomingHttpStatusHeader } from 'node:http2';

/** Response headers as node:http2 hands them to a client stream's 'response' listener. */
export type ResponseHeaders = IncomingHttpHeaders & IncomingHttpStatusHeader;

/** What a call does with the events of its stream (PROTOCOL-HTTP2 "Responses"). */
export interface StreamEventTarget {
  onResponse(headers: ResponseHeaders, flags: number): void;
  onTrailers(headers: IncomingHttpHeaders): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  /** Node emits 'error' before 'close'. */
  onError(err: unknown): void;
  /** node:http2 did not send a frame of ours. */
  onFrameError(type: number, code: number): void;
  onClose(): void;
}

const TARGET = Symbol('StreamEventTarget');
type TargetStream = ClientHttp2Stream & { [TARGET]?: StreamEventTarget };

/** Sends the stream's events to `target` until detachStream(). */
export function listenToStream(stream: ClientHttp2Stream, target: StreamEventTarget): void {
  (stream as TargetStream)[TARGET] = target;
  stream.on('response', onStreamResponse);
  stream.on('trailers', onStreamTrailers);
  stream.on('data', onStreamData);
  stream.on('end', onStreamEnd);
  // Stays after the call ends: an 'error' without a listener would throw.
  stream.on('error', onStreamError);
  stream.on('frameError', onStreamFrameError);
  stream.on('close', onStreamClose);
}

/** Later events of the stream reach no call. */
export function detachStream(stream: ClientHttp2Stream): void {
  (stream as TargetStream)[TARGET] = undefined;
}

function onStreamResponse(this: TargetStream, headers: ResponseHeaders, flags: number): void {
  this[TARGET]?.onResponse(headers, flags);
}

function onStreamTrailers(this: TargetStream, headers: IncomingHttpHeaders): void {
  this[TARGET]?.onTrailers(headers);
}

function onStreamData(this: TargetStream, chunk: Buffer): void {
  this[TARGET]?.onData(chunk);
}

function onStreamEnd(this: TargetStream): void {
  this[TARGET]?.onEnd();
}

function onStreamError(this: TargetStream, err: unknown): void {
  this[TARGET]?.onError(err);
}

function onStreamFrameError(this: TargetStream, type: number, code: number): void {
  this[TARGET]?.onFrameError(type, code);
}

function onStreamClose(this: TargetStream): void {
  this[TARGET]?.onClose();
}
