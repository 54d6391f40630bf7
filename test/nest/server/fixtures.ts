// Shared fixtures of the Nest server tests: proto paths, loader options, a free loopback port,
// and a microservice hosted by GrpcTransportStrategy.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice, Type } from '@nestjs/common';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GrpcExceptionFilter } from '../../../lib/nest/grpc-exception.filter.js';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import type { GrpcTransportOptions } from '../../../lib/nest/server/grpc-transport.strategy.js';

const protoPath = (name: string): string =>
  fileURLToPath(new URL(`../../../../test/nest/server/protos/${name}`, import.meta.url));

export const CATALOG_PROTO = protoPath('catalog.proto');
export const BILLING_PROTO = protoPath('billing.proto');
export const HEROES_PROTO = protoPath('heroes.proto');

/** proto-loader options both transports get, so messages look the same under each. */
export const LOADER = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** Per-test bound: nothing may hang the run. */
export const TEST_TIMEOUT = { timeout: 10_000 };

/** A loopback port free right now: bound on 0, read, released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface HostedApp {
  readonly app: INestMicroservice;
  readonly strategy: GrpcTransportStrategy;
  readonly address: string;
}

export interface HostOptions {
  filter?: boolean;
  providers?: Type[];
  /** Runs before listen: global interceptors, pipes and guards bind with the handlers. */
  setup?(app: INestMicroservice): void;
}

/** A listening microservice serving `controllers` on a fresh loopback port; GrpcExceptionFilter global unless `filter` is false. */
export async function hostControllers(
  controllers: Type[],
  options: Partial<GrpcTransportOptions> & HostOptions = {},
): Promise<HostedApp> {
  const { filter = true, providers = [], setup, ...strategyOptions } = options;
  const address = `127.0.0.1:${await freePort()}`;
  const strategy = new GrpcTransportStrategy({ url: address, protoPath: CATALOG_PROTO, loader: LOADER, ...strategyOptions });
  const app = await NestFactory.createMicroservice({ controllers, providers }, { strategy, logger: false });
  if (filter) app.useGlobalFilters(new GrpcExceptionFilter());
  setup?.(app);
  await app.listen();
  return { app, strategy, address };
}
