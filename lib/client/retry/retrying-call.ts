// A call under a retry or hedging policy (gRFC A6): the call over its attempts, each attempt one ClientCall (one
// HTTP/2 stream, with its own transparent retry). The call commits to an attempt once that attempt's response
// headers, a response or its final status arrive, or its request outgrows the retry buffers; until then a failed
// attempt may be retried, or hedged attempts race. Streaming requests are replayed by request-replay.ts.
// Kept whole past 250 lines: the commit rule, the attempt scheduling and the status it ends with read as one
// state machine; split, each half would need the other's state.

import { errorMessageOf, GrpcError } from '../../protocol/grpc-error.js';
import { Metadata } from '../../protocol/metadata.js';
import { Status } from '../../protocol/status.js';
import type { StatusInfo } from '../../protocol/trailers.js';
import type { ResolvedCallOptions } from '../call-options.js';
import type { CallSink } from '../client-call.js';
import type { InterceptedCall } from '../client-interceptor.js';
import type { RequestStream } from '../request-writer.js';
import type { ReplayOwner, ReplayView, RequestReplay } from './request-replay.js';
import type { HedgingPolicy, RetryPolicy } from './service-config.js';
import { parsePushback, retryDelay } from './retry-throttle.js';
import type { RetryBuffer, RetryThrottle } from './retry-throttle.js';

/** One attempt as the retrying call drives it: a started ClientCall. */
export interface AttemptCall {
  unsubscribe(): void;
  pauseResponses(): void;
  resumeResponses(): void;
}

/** What a retrying call shares with the other calls of its client. */
export interface RetryEnvironment {
  readonly throttle: RetryThrottle | undefined;
  readonly buffer: RetryBuffer;
  readonly perCallBufferBytes: number;
}

/** The policy of one call: retry one attempt at a time, or hedge several. */
export type CallPolicy = { readonly kind: 'retry'; readonly policy: RetryPolicy } | { readonly kind: 'hedge'; readonly policy: HedgingPolicy };

/** One attempt: the sink its ClientCall delivers to, which hands everything to the call. */
class Attempt<Res> implements CallSink<Res> {
  call: AttemptCall | undefined;
  status: StatusInfo | undefined;
  pushback: number | 'stop' | undefined;
  /** What a streaming attempt has sent of the replayed request. */
  view: ReplayView<unknown> | undefined;

  constructor(private readonly owner: RetryingCall<unknown, Res>) {}

  next(value: Res): void {
    this.owner.onMessage(this, value);
  }

  error(err: unknown): void {
    this.owner.onAttemptEnd(this, err instanceof GrpcError ? err : new GrpcError(Status.UNKNOWN, String(err)));
  }

  complete(): void {
    this.owner.onAttemptEnd(this, undefined);
  }
}

/** Drives the attempts of one call and delivers the committed one's responses and status. */
export class RetryingCall<Req, Res> implements AttemptCall, ReplayOwner {
  private readonly running = new Set<Attempt<Res>>();
  private committed: Attempt<Res> | undefined;
  private started = 0;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  /** Request bytes held in the client's retry buffer; 0 once committed (nothing will be sent again). */
  private held = 0;
  /** The request is held for further attempts: within the buffer limits and not committed. */
  private replayable = false;
  private paused = false;
  private abortListener: (() => void) | undefined;
  /** The request of a unary-request call, or the replayed messages of a streaming one. */
  private request: { readonly kind: 'unary'; readonly value: Req } | { readonly kind: 'stream'; readonly replay: RequestReplay<Req> } | undefined;
  /** The last attempt that failed while a retry or hedge was due: the call's outcome if none can start. */
  private lastFailure: { readonly attempt: Attempt<Res>; readonly error: GrpcError } | undefined;

  constructor(
    private readonly sink: CallSink<Res>,
    private readonly options: ResolvedCallOptions,
    private readonly policy: CallPolicy,
    private readonly env: RetryEnvironment,
    /** Starts one attempt with these options and request, delivering into the sink. */
    private readonly startAttempt: (sink: CallSink<Res>, options: ResolvedCallOptions, request: Req | RequestStream<Req>) => AttemptCall,
    private readonly intercepted: InterceptedCall | undefined,
  ) {}

  /** `requestBytes`: the serialized request, held for attempts to come; over the limits the call is not retried. */
  start(request: Req, requestBytes: number): void {
    this.request = { kind: 'unary', value: request };
    if (requestBytes <= this.env.perCallBufferBytes && this.env.buffer.hold(requestBytes)) {
      this.held = requestBytes;
      this.replayable = true;
    }
    this.begin();
  }

  /** A client- or bidi-streaming call: its messages are held as they are written, within the same limits. */
  startStream(replay: RequestReplay<Req>): void {
    this.request = { kind: 'stream', replay };
    replay.owner = this;
    this.replayable = true;
    this.begin();
  }

  /** The request outgrew the retry buffers: commit to the attempt that has sent the most, as grpc-js does. */
  onOverflow(): void {
    this.replayable = false;
    let most: Attempt<Res> | undefined;
    for (const attempt of this.running) if (most === undefined || attempt.view!.sent > most.view!.sent) most = attempt;
    if (most !== undefined) this.commit(most);
    // None running: the retry or hedge that is due finds the call unreplayable and ends it with the last failure.
    else if (this.request?.kind === 'stream') this.request.replay.commit(null);
  }

  /** The caller's request stream failed: the whole call ends, as an unretried call does (see RequestWriter). */
  onSourceError(err: unknown): void {
    if (this.done) return;
    this.finish(new Attempt<Res>(this as RetryingCall<unknown, Res>),
      new GrpcError(Status.CANCELLED, `Request stream failed: ${errorMessageOf(err)}`, { cause: err }));
  }

  private begin(): void {
    // A running attempt sees the signal itself; between attempts (a backoff) the call does.
    const signal = this.options.signal;
    if (signal !== undefined && !signal.aborted) {
      this.abortListener = () => { if (this.running.size === 0) this.failBetweenAttempts(); };
      signal.addEventListener('abort', this.abortListener, { once: true });
    }
    this.launch();
  }

  unsubscribe(): void {
    if (this.done) return;
    this.end();
    this.report({ code: Status.CANCELLED, message: 'Cancelled on client', metadata: new Metadata() });
  }

  pauseResponses(): void {
    this.paused = true;
    for (const attempt of this.running) attempt.call?.pauseResponses();
  }

  resumeResponses(): void {
    this.paused = false;
    for (const attempt of this.running) attempt.call?.resumeResponses();
  }

  onMessage(attempt: Attempt<Res>, value: Res): void {
    if (this.done) return;
    this.commit(attempt);
    if (this.committed === attempt) this.sink.next(value);
  }

  onAttemptEnd(attempt: Attempt<Res>, error: GrpcError | undefined): void {
    this.running.delete(attempt);
    if (this.done || (this.committed !== undefined && this.committed !== attempt)) return;
    const code = error?.code ?? Status.OK;
    const retryable = this.policy.kind === 'retry'
      ? this.policy.policy.retryableStatusCodes.has(code)
      : this.policy.policy.nonFatalStatusCodes.has(code);
    if (error === undefined) this.env.throttle?.recordSuccess();
    else if (retryable || attempt.pushback !== undefined) this.env.throttle?.recordFailure();
    if (error === undefined || this.committed === attempt || !retryable || !this.mayStartAnother(attempt)) {
      // Hedging: another attempt still running may yet succeed.
      if (error !== undefined && retryable && this.policy.kind === 'hedge' && this.running.size > 0) return;
      return this.finish(attempt, error);
    }
    this.lastFailure = { attempt, error };
    const pushback = attempt.pushback;
    if (this.policy.kind === 'retry') {
      this.schedule(typeof pushback === 'number' ? pushback : retryDelay(this.policy.policy, this.started), () => this.another());
    } else if (typeof pushback === 'number') {
      this.schedule(pushback, () => this.another());
    } else {
      // A non-fatal failure sends the next hedged attempt at once.
      this.another();
    }
  }

  private mayStartAnother(attempt: Attempt<Res>): boolean {
    return this.replayable && this.started < this.policy.policy.maxAttempts && attempt.pushback !== 'stop'
      && (this.env.throttle?.allowsRetry() ?? true) && Date.now() < this.options.deadline && this.options.signal?.aborted !== true;
  }

  private launch(): void {
    if (this.done) return;
    if (Date.now() >= this.options.deadline && this.started > 0) {
      const attempt = new Attempt<Res>(this as RetryingCall<unknown, Res>);
      return this.finish(attempt, new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    }
    const attempt = new Attempt<Res>(this as RetryingCall<unknown, Res>);
    const previous = this.started++;
    this.running.add(attempt);
    const request = this.request!;
    let attemptRequest: Req | RequestStream<Req>;
    if (request.kind === 'unary') {
      attemptRequest = request.value;
    } else {
      const view = request.replay.view();
      attempt.view = view as ReplayView<unknown>;
      attemptRequest = view;
    }
    attempt.call = this.startAttempt(attempt, {
      ...this.options,
      previousAttempts: previous,
      // The user's hooks see the call, not its attempts: headers commit, the status is reported once.
      onMetadata: (metadata: Metadata) => this.onHeaders(attempt, metadata),
      onStatus: (status: StatusInfo) => { attempt.status = status; },
      onPushback: (values) => { attempt.pushback = parsePushback(values); },
    }, attemptRequest);
    // The call ended or committed to another attempt while this one started (its request stream failed or
    // outgrew the buffers at the first pull), before the call could be cancelled with the others.
    if (this.done || (this.committed !== undefined && this.committed !== attempt)) {
      this.running.delete(attempt);
      return attempt.call.unsubscribe();
    }
    if (this.paused) attempt.call.pauseResponses();
    if (this.policy.kind === 'hedge' && this.replayable && this.started < this.policy.policy.maxAttempts && this.committed === undefined) {
      this.schedule(this.policy.policy.hedgingDelayMs, () => this.another());
    }
  }

  /**
   * A retry or hedge whose time came: started while the request may be sent again, attempts remain and the throttle
   * allows; otherwise, with no attempt left running, the call ends with the last failure.
   */
  private another(): void {
    if (this.done || this.committed !== undefined) return;
    if (this.replayable && this.started < this.policy.policy.maxAttempts && (this.env.throttle?.allowsRetry() ?? true)) return this.launch();
    const failure = this.lastFailure;
    if (this.running.size === 0 && failure !== undefined) this.finish(failure.attempt, failure.error);
  }

  private onHeaders(attempt: Attempt<Res>, metadata: Metadata): void {
    if (this.done) return;
    this.commit(attempt);
    if (this.committed === attempt) this.options.onMetadata?.(metadata);
  }

  /** From now on only this attempt counts: the others are cancelled, the request is never sent again. */
  private commit(attempt: Attempt<Res>): void {
    if (this.committed !== undefined) return;
    this.committed = attempt;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.releaseBuffer();
    if (this.request?.kind === 'stream') this.request.replay.commit(attempt.view as ReplayView<Req> | undefined ?? null);
    for (const other of this.running) if (other !== attempt) other.call?.unsubscribe();
  }

  private schedule(delayMs: number, run: () => void): void {
    clearTimeout(this.timer);
    // The call's deadline bounds the wait: the attempt started then fails at once, DEADLINE_EXCEEDED.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      run();
    }, Math.max(0, Math.min(delayMs, this.options.deadline - Date.now())));
  }

  private finish(attempt: Attempt<Res>, error: GrpcError | undefined): void {
    this.end();
    const status = attempt.status ?? (error === undefined
      ? { code: Status.OK, message: '', metadata: new Metadata() }
      : { code: error.code, message: error.message, metadata: error.metadata, details: error.details });
    this.report(status);
    if (error !== undefined) this.sink.error(error);
    else this.sink.complete();
  }

  /** The served call this one belongs to ended while waiting to retry (as ClientCall.onAbort says it). */
  private failBetweenAttempts(): void {
    if (this.done) return;
    const error = Date.now() >= this.options.deadline
      ? new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded')
      : new GrpcError(Status.CANCELLED, 'Cancelled by parent call');
    this.finish(new Attempt<Res>(this as RetryingCall<unknown, Res>), error);
  }

  private end(): void {
    this.done = true;
    if (this.abortListener !== undefined) this.options.signal?.removeEventListener('abort', this.abortListener);
    clearTimeout(this.timer);
    this.releaseBuffer();
    for (const attempt of this.running) attempt.call?.unsubscribe();
    this.running.clear();
    if (this.request?.kind === 'stream') this.request.replay.stop();
  }

  private releaseBuffer(): void {
    this.env.buffer.release(this.held);
    this.held = 0;
    this.replayable = false;
  }

  private report(status: StatusInfo): void {
    this.options.onStatus?.(status);
    this.intercepted?.end(status);
  }
}
