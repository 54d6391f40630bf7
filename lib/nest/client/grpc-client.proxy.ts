// GrpcClientProxy: a Nest ClientProxy over the standalone GrpcClient, a drop-in for ClientGrpcProxy's getService().
// send()/emit() call one method named by a { service, method } pattern; see GrpcPattern.

import type { OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import type { ClientGrpc, ReadPacket, WritePacket } from '@nestjs/microservices';
import { catchError, defer, ignoreElements, lastValueFrom, Observable, throwError } from 'rxjs';
import { GrpcClient } from '../../client/grpc-client.js';
import type { ClientOptions } from '../../client/grpc-client.js';
import type { CallOptions } from '../../client/call-options.js';
import { createStub } from '../../client/stub.js';
import type { CallStarter, ServiceStub } from '../../client/stub.js';
import type { RequestStream } from '../../client/request-writer.js';
import { withChannelOptions } from './channel-options.js';
import { tlsOfChannelCredentials } from '../grpc-js-credentials.js';
import type { NestLoaderOptions } from '../nest-loader.js';
import { loadProtoSource } from '../proto-source.js';
import type { PackageDefinition } from '../../schema/grpc-js-definition.js';
import type { MethodDescriptor, Schema, ServiceDescriptor } from '../../schema/descriptors.js';
import { createProxyService } from './proxy-service.js';
import type { ProxyMetadata, ProxyService } from './proxy-service.js';
import { GrpcServiceError, toServiceError } from './service-error.js';
import { GrpcError } from '../../protocol/grpc-error.js';
import { Status } from '../../protocol/status.js';
import { parsePattern } from './grpc-pattern.js';
import { grpcObservabilityDefaults } from '../observability/observability-defaults.js';

/** Nest's GrpcOptions names where they exist, plus the standalone client's options. */
export interface GrpcClientProxyOptions extends ClientOptions {
  /** Target, as the standalone client takes it: 'host:port', 'dns:///host:port', 'ipv4:a:p,b:p'... (default 'localhost:5000', as Nest). */
  url?: string;
  /** Package(s) in which getService() resolves short service names. */
  package?: string | string[];
  /** The .proto file(s) to load; or give `packageDefinition` (optional in the type so that Nest's GrpcOptions['options'] fit). */
  protoPath?: string | string[];
  /** A @grpc/proto-loader PackageDefinition to call with instead of `protoPath`, with its own message shapes. */
  packageDefinition?: PackageDefinition;
  /** grpc-js ChannelCredentials (createInsecure, createSsl, createFromSecureContext), read as `tls`. */
  credentials?: unknown;
  /** How the protos are loaded and messages shaped (proto-loader's option names). */
  loader?: NestLoaderOptions;
  /**
   * grpc-js channel options, as Transport.GRPC takes them: the message limits, grpc.default_compression_algorithm,
   * the reconnect backoff, grpc.ssl_target_name_override, grpc.service_config, grpc.lb_policy_name, grpc.enable_retries,
   * the retry buffer sizes and grpc.dns_min_time_between_resolutions_ms are read (explicit options win); the rest are ignored.
   */
  channelOptions?: Readonly<Record<string, unknown>>;
}

const DEFAULT_URL = 'localhost:5000';

/** A gRPC ClientProxy; register it with ClientsModule's customClass or with GrpcClientModule. */
export class GrpcClientProxy extends ClientProxy implements ClientGrpc, OnApplicationShutdown {
  private readonly schema: Schema;
  private readonly packages: readonly string[];
  private readonly url: string;
  private readonly clientOptions: ClientOptions;
  private client: GrpcClient | undefined;
  private readonly services = new Map<string, ProxyService>();
  private readonly stubs = new Map<string, ServiceStub>();
  // Cancels each call in flight; close() runs them so that a long stream cannot hold the app's shutdown.
  private readonly inFlight = new Set<() => void>();
  private readonly starter: CallStarter = {
    call: <Req, Res>(method: MethodDescriptor<Req, Res>, request: Req | RequestStream<Req>, options?: CallOptions): Observable<Res> =>
      new Observable<Res>((subscriber) => {
        // Erroring the subscriber runs the teardown below, which unsubscribes: the call is cancelled on the wire.
        const cancel = (): void => subscriber.error(new GrpcError(Status.CANCELLED, 'Cancelled on client'));
        this.inFlight.add(cancel);
        const call = this.connected().call(method, request, options).subscribe(subscriber);
        return () => {
          this.inFlight.delete(cancel);
          call.unsubscribe();
        };
      }),
  };

  constructor(options: GrpcClientProxyOptions) {
    super();
    const { url, package: pkg, protoPath, packageDefinition, loader, channelOptions, credentials, ...clientOptions } = options;
    if (credentials !== undefined) {
      if (clientOptions.tls !== undefined) throw new TypeError('GrpcClientProxy takes "credentials" or "tls", not both');
      const tls = tlsOfChannelCredentials(credentials);
      if (tls !== undefined) clientOptions.tls = tls;
    }
    this.url = url ?? DEFAULT_URL;
    const telemetry = clientOptions.telemetry ?? grpcObservabilityDefaults().telemetry;
    this.clientOptions = withChannelOptions({ ...clientOptions, telemetry }, channelOptions);
    this.schema = loadProtoSource({ protoPath, packageDefinition, loader }).schema;
    this.packages = pkg === undefined ? [] : Array.isArray(pkg) ? pkg : [pkg];
    for (const name of this.packages) this.checkPackage(name);
    // Built now so that a bad option (an unknown compression) fails at registration; it connects lazily.
    this.client = new GrpcClient(this.url, this.clientOptions);
  }

  /** Methods under their .proto and lowerCamelCase names: (request, metadata?, options?) -> cold Observable. */
  getService<T extends object = ProxyService>(name: string): T {
    const service = this.findService(name);
    let proxy = this.services.get(service.name);
    if (proxy === undefined) {
      // Failures as grpc-js's ServiceError (code, details, metadata, '5 NOT_FOUND: ...' message), as ClientGrpc callers read them.
      proxy = createProxyService(service, (method, request, options) =>
        this.starter.call(method, request, options).pipe(catchError((err: unknown) => throwError(() => this.serializeError(toServiceError(err))))));
      this.services.set(service.name, proxy);
    }
    return proxy as T;
  }

  /** The standalone stub of a service: .proto names, (request, CallOptions), and .promise() on unary responses. */
  getClientByServiceName<T = ServiceStub>(name: string): T {
    const service = this.findService(name);
    let stub = this.stubs.get(service.name);
    if (stub === undefined) {
      stub = createStub(this.starter, service);
      this.stubs.set(service.name, stub);
    }
    // Nest's signature lets the caller name the stub's type.
    return stub as unknown as T;
  }

  /** Ready for calls; the HTTP/2 connection itself opens with the first call, as grpc-js channels do. */
  async connect(): Promise<void> {
    this.connected();
  }

  /**
   * Ends the calls in flight CANCELLED 'Cancelled on client' (their subscribers see it), then closes the connection:
   * an app's shutdown never waits on a long stream. A later call or connect() opens a new connection.
   */
  async close(): Promise<void> {
    for (const cancel of [...this.inFlight]) cancel();
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  /** Nest calls this at shutdown (ClientsModule also assigns it); the proxy closes itself. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** The underlying standalone GrpcClient. */
  unwrap<T = GrpcClient>(): T {
    // Nest's signature lets the caller name the type.
    return this.connected() as unknown as T;
  }

  /** send(): every response message, then completion; a failure is the GrpcError. */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const subscription = this.callPattern(packet).subscribe({
      next: (response) => callback({ response }),
      error: (err: unknown) => callback({ err }),
      complete: () => callback({ isDisposed: true }),
    });
    return () => subscription.unsubscribe();
  }

  /** emit(): the call runs even unsubscribed; responses are dropped, it resolves on status OK. */
  protected async dispatchEvent<T = undefined>(packet: ReadPacket): Promise<T> {
    await lastValueFrom(this.callPattern(packet).pipe(ignoreElements()), { defaultValue: undefined });
    // An event has no result; Nest's generic signature asks for a T all the same.
    return undefined as T;
  }

  private callPattern(packet: ReadPacket): Observable<unknown> {
    return defer(() => {
      const { service, method } = parsePattern(packet.pattern);
      const invoke = this.getService(service)[method];
      if (invoke === undefined) throw new Error(`gRPC service ${this.findService(service).name} has no method "${method}"`);
      // The dispatch hook may attach metadata (a trace id, say): it travels as request metadata.
      // send() and emit() fail with the GrpcError itself.
      return invoke(packet.data, packet.metadata as ProxyMetadata | undefined).pipe(
        catchError((err: unknown) => throwError(() => (err instanceof GrpcServiceError ? err.grpcError : err))));
    });
  }

  private connected(): GrpcClient {
    this.client ??= new GrpcClient(this.url, this.clientOptions);
    return this.client;
  }

  // As Nest: a short name is looked up in each package in order; a fully qualified name always works.
  private findService(name: string): ServiceDescriptor {
    const bare = name.startsWith('.') ? name.slice(1) : name;
    for (const pkg of this.packages) {
      const found = this.schema.services.get(pkg === '' ? bare : `${pkg}.${bare}`);
      if (found !== undefined) return found;
    }
    const exact = this.schema.services.get(bare);
    if (exact !== undefined) return exact;
    // Without a package, a short name unique across the protos is enough (Schema.service throws otherwise).
    if (this.packages.length === 0) return this.schema.service(bare);
    const known = [...this.schema.services.keys()].join(', ') || 'none';
    throw new Error(`gRPC service "${name}" is not in package ${this.packages.join(', ')} (known: ${known})`);
  }

  private checkPackage(name: string): void {
    if (name === '') return;
    for (const service of this.schema.services.keys()) {
      if (service.startsWith(`${name}.`)) return;
    }
    throw new Error(`gRPC package "${name}" has no service in the loaded protos`);
  }
}
