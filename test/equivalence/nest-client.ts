// Our Nest ClientProxy as an ExampleClient, taken as a Nest user takes it: GrpcClientModule.register in a Nest
// application context, app.get(name); each call is a getService() method's cold Observable, unsubscribed to cancel.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { setTimeout as delay } from 'node:timers/promises';
import type { GrpcClient } from '../../lib/index.js';
import type { GrpcClientProxy, GrpcClientProxyOptions } from '../../lib/nest/client/grpc-client.proxy.js';
import type { ProxyService } from '../../lib/nest/client/proxy-service.js';
import { GrpcClientModule } from '../../lib/nest/client/grpc-client.module.js';
import type { CallResult, ClientFactoryOptions, ExampleCallOptions, ExampleClient, RequestSource } from './example-client.js';
import { PROTO_PATH, SERVICE_NAME } from './example-service.js';
import { GRPC_IO_LOADER } from './loader-variants.js';
import type { RequestInit } from './example-service.js';
import { collectCall } from './our-client.js';
import { MAX_MESSAGE_BYTES } from './servers.js';
import { clientTls } from '../fixtures/tls.js';

const CLOSE_GRACE_MS = 500;
const EXAMPLE_CLIENT = Symbol('ExampleClient');
// 'nameko.example' as a Nest user splits it: the `package` option and the getService() name.
const PACKAGE = SERVICE_NAME.slice(0, SERVICE_NAME.lastIndexOf('.'));
const SERVICE = SERVICE_NAME.slice(SERVICE_NAME.lastIndexOf('.') + 1);

@Module({})
class ExampleClientModule {
  static register(options: GrpcClientProxyOptions): DynamicModule {
    return { module: ExampleClientModule, imports: [GrpcClientModule.register({ name: EXAMPLE_CLIENT, options })] };
  }
}

interface NestClient {
  readonly app: INestApplicationContext;
  readonly proxy: GrpcClientProxy;
  readonly service: ProxyService;
}

async function startNestClient(address: string, factoryOptions: ClientFactoryOptions): Promise<NestClient> {
  // As a Nest user gives it; unset (NEST_DEFAULT_LOADER), proto-loader's defaults apply.
  const loader = (factoryOptions.loader ?? GRPC_IO_LOADER).nest;
  const app = await NestFactory.createApplicationContext(ExampleClientModule.register({
    url: address, package: PACKAGE, protoPath: PROTO_PATH, loader,
    defaultCompression: factoryOptions.defaultCompression, maxReceiveMessageLength: MAX_MESSAGE_BYTES,
    tls: factoryOptions.tls === undefined ? undefined : clientTls(factoryOptions.tls),
  }), { logger: false });
  const proxy = app.get<GrpcClientProxy>(EXAMPLE_CLIENT);
  return { app, proxy, service: proxy.getService<ProxyService>(SERVICE) };
}

/** An ExampleClient over GrpcClientProxy; close() closes the Nest application context. */
export function createNestClient(address: string, factoryOptions: ClientFactoryOptions = {}): ExampleClient {
  const started = startNestClient(address, factoryOptions);
  // A failed start is reported by every call and by close(), never as an unhandled rejection.
  started.catch(() => undefined);

  async function run(name: string, request: RequestInit | RequestSource, options: ExampleCallOptions = {}): Promise<CallResult> {
    const invoke = (await started).service[name];
    if (invoke === undefined) throw new Error(`no method ${name} in the example service`);
    return collectCall((callOptions) => invoke(request, options.metadata ?? null, callOptions), options);
  }

  return {
    unary: (name, request, options) => run(name, request, options),
    serverStream: (name, request, options) => run(name, request, options),
    clientStream: (name, requests, options) => run(name, requests, options),
    bidi: (name, requests, options) => run(name, requests, options),
    async close() {
      const { app, proxy } = await started;
      // The app's shutdown hook closes the proxy gracefully; a call left in flight is then ended by force.
      const underlying = proxy.unwrap<GrpcClient>();
      const closing = app.close();
      await Promise.race([closing, delay(CLOSE_GRACE_MS)]);
      await underlying.close({ force: true });
      await closing;
    },
  };
}
