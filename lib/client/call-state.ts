// The states of one client call, a discriminated union: starting -> (waiting ->) open -> done.
// While open, the fields record what the server has sent so far (PROTOCOL-HTTP2 "Responses": headers, messages, trailers).

import type { ClientHttp2Stream } from 'node:http2';
import type { StatusInfo } from '../protocol/trailers.js';
import type { RequestWriter } from './request-writer.js';
import type { SessionSlot } from './session-slot.js';

/** A unary call's response before it came. */
export const NO_RESPONSE: unique symbol = Symbol('no response');

/** Waiting for a ready connection (waitForReady): the call is the connection's ReadyWaiter until then. */
export interface Waiting {
  readonly kind: 'waiting';
  readonly request: unknown;
}

/** The stream is open; the other fields record what the server has sent so far. */
export interface Open {
  readonly kind: 'open';
  readonly stream: ClientHttp2Stream;
  readonly slot: SessionSlot;
  /** Writes the request messages of a client- or bidi-streaming call. */
  writer: RequestWriter<unknown> | undefined;
  /** :status of the response headers, once they came. */
  httpStatus: number | undefined;
  /** A unary call's response, held until the OK status. */
  response: unknown;
  /** From the trailers; the call ends with it at the stream's 'end' (or 'close'), once every message was read. */
  status: StatusInfo | undefined;
  /** Trailers, 'end' or 'close' came: closing our side needs no RST_STREAM. */
  serverEnded: boolean;
  /** The stream's 'error' event; Node emits it before 'close'. */
  error: unknown;
}

/** Before the stream opens or the wait starts; 'done' once the final status was delivered or the call cancelled. */
export type CallState = { readonly kind: 'starting' } | Waiting | Open | { readonly kind: 'done' };

export const STARTING: CallState = { kind: 'starting' };
export const DONE: CallState = { kind: 'done' };

/** Connection.request() hands the stream and its slot here, so the call's record of them is the only object made. */
export function openState(stream: ClientHttp2Stream, slot: SessionSlot): Open {
  return { kind: 'open', stream, slot, writer: undefined, httpStatus: undefined, response: NO_RESPONSE, status: undefined, serverEnded: false, error: undefined };
}
