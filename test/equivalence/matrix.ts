// Every scenario runs once per (server kind, client kind) pair, named `server=X client=Y`, as in
// nameko-grpc's equivalence fixtures. EQUIVALENCE_SERVER / EQUIVALENCE_CLIENT (comma lists) narrow it.
// A loader variant other than grpc.io's runs the kinds that take a loader, named `loader=<variant> server=X ...`.
import { after, before, describe } from 'node:test';
import type { ClientTls, ServerTls } from '../fixtures/tls.js';
import { clients } from './clients.js';
import { createExampleService } from './example-service.js';
import { CallError } from './example-client.js';
import type { ClientEntry, ClientFactoryOptions, ExampleClient } from './example-client.js';
import { GRPC_IO_LOADER } from './loader-variants.js';
import type { LoaderVariant } from './loader-variants.js';
import { Recorder } from './recorder.js';
import { servers } from './servers.js';
import type { RunningServer, ServerEntry } from './servers.js';

/** Per-test bound: no scenario may hang the run. */
export const TEST_TIMEOUT = { timeout: 10_000 };

export interface Pair {
  readonly server: ServerEntry;
  readonly clientKind: ClientEntry;
  readonly recorder: Recorder;
  /** The matrix's TLS setting; undefined for plaintext. */
  readonly tls: MatrixTls | undefined;
  /** How the pair's peers load example.proto; expected messages come from loader-variants.ts with it. */
  readonly loader: LoaderVariant;
  /** The running server's address (set in before()). */
  readonly address: string;
  /** The pair's shared client (set in before()). */
  readonly client: ExampleClient;
  /** Another client of this pair's kind, closed after the suite. */
  connect(address: string, options?: ClientFactoryOptions): ExampleClient;
}

/** TLS for a whole matrix: how every server serves, and what the pairs' shared clients trust and present. */
export interface MatrixTls {
  readonly server: ServerTls;
  readonly client: ClientTls;
}

/** The CallError a call must fail with (an assertion failure if it succeeds or fails otherwise). */
export async function failureOf(call: Promise<unknown>): Promise<CallError> {
  const outcome = await call.then(() => undefined, (err: unknown) => err);
  if (outcome instanceof CallError) return outcome;
  throw new Error(`expected the call to fail with a CallError, got ${outcome === undefined ? 'success' : String(outcome)}`);
}

function selected<T extends { readonly name: string }>(entries: readonly T[], variable: string): readonly T[] {
  const wanted = process.env[variable]?.split(',').map((name) => name.trim()).filter(Boolean);
  if (!wanted?.length) return entries;
  const unknown = wanted.filter((name) => !entries.some((entry) => entry.name === name));
  if (unknown.length) throw new Error(`${variable}: unknown ${unknown.join(', ')}`);
  return entries.filter((entry) => wanted.includes(entry.name));
}

class LivePair implements Pair {
  readonly recorder = new Recorder();
  private running: RunningServer | undefined;
  private shared: ExampleClient | undefined;
  private readonly extra: ExampleClient[] = [];

  constructor(
    readonly server: ServerEntry,
    readonly clientKind: ClientEntry,
    readonly tls: MatrixTls | undefined,
    readonly loader: LoaderVariant,
  ) {}

  get address(): string {
    if (!this.running) throw new Error('the server is not started');
    return this.running.address;
  }

  get client(): ExampleClient {
    if (!this.shared) throw new Error('the client is not created');
    return this.shared;
  }

  connect(address: string, options?: ClientFactoryOptions): ExampleClient {
    const client = this.clientKind.create(address, { loader: this.loader, ...options });
    this.extra.push(client);
    return client;
  }

  async start(): Promise<void> {
    this.running = await this.server.start(createExampleService(this.recorder), this.tls?.server, this.loader);
    this.shared = this.clientKind.create(this.running.address, { tls: this.tls?.client, loader: this.loader });
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.shared, ...this.extra].map((client) => client?.close()));
    await this.running?.stop();
  }
}

/**
 * Declares the suite once per selected pair; scenarios reach the pair's client, server and recorder. With `tls`
 * every server serves TLS and the suite is named `tls=<server setting> server=X client=Y`; with a `loader` other
 * than grpc.io's, only the kinds that take one run, named `loader=<name> server=X client=Y`.
 */
export function describeMatrix(body: (pair: Pair) => void, tls?: MatrixTls, loader: LoaderVariant = GRPC_IO_LOADER): void {
  const prefix = (tls === undefined ? '' : `tls=${tls.server} `) + (loader === GRPC_IO_LOADER ? '' : `loader=${loader.name} `);
  const takes = (entry: { readonly name: string }): boolean => loader.kinds?.includes(entry.name) ?? true;
  for (const server of selected(servers, 'EQUIVALENCE_SERVER').filter(takes)) {
    for (const client of selected(clients, 'EQUIVALENCE_CLIENT').filter(takes)) {
      describe(`${prefix}server=${server.name} client=${client.name}`, () => {
        const pair = new LivePair(server, client, tls, loader);
        before(() => pair.start(), TEST_TIMEOUT);
        after(() => pair.stop(), TEST_TIMEOUT);
        body(pair);
      });
    }
  }
}
