// The async-local store of the call being served: whatever serves a call (GrpcServer's requestContext option, the
// Nest request-context interceptor) sets it, and clients read it to pass metadata, deadline and cancellation on.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Metadata } from '../protocol/metadata.js';

/** The part of a served call that the calls it makes inherit. */
export interface AmbientContext {
  /** Metadata to add to their requests. */
  propagatedMetadata(): Metadata;
  /** The served call's deadline in epoch ms, Infinity without one: the latest deadline a call made here gets. */
  readonly deadline: number;
  /**
   * Aborts when the served call ends early (client cancel, deadline, connection loss), cancelling the calls it
   * made that are still running. Read only when a call starts: it may be created on first read.
   */
  readonly signal: AbortSignal | undefined;
}

/** The context of the call being served, undefined outside one. */
export const ambientContext = new AsyncLocalStorage<AmbientContext>();
