// The same controllers hosted twice with one options object: by Nest's built-in Transport.GRPC and by
// GrpcTransportStrategy. Drop-in scenarios run on both and must answer the same.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { INestMicroservice, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { GrpcTransportStrategy } from '../../../lib/nest/server/grpc-transport.strategy.js';
import { freePort, HEROES_PROTO, LOADER } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';
import type { Outcome } from './grpc-js-peer.js';

export interface TransportHost {
  readonly name: 'Transport.GRPC' | 'GrpcTransportStrategy';
  readonly app: INestMicroservice;
  readonly peer: GrpcJsPeer;
}

/** Hosts `controllers` under both transports; the only difference is the strategy line. */
export async function hostOnBoth(controllers: Type[]): Promise<TransportHost[]> {
  const hosts: TransportHost[] = [];
  for (const name of ['Transport.GRPC', 'GrpcTransportStrategy'] as const) {
    const options = { url: `127.0.0.1:${await freePort()}`, package: 'hero', protoPath: HEROES_PROTO, loader: LOADER };
    const transport = name === 'Transport.GRPC'
      ? { transport: Transport.GRPC, options }
      : { strategy: new GrpcTransportStrategy(options) };
    const app = await NestFactory.createMicroservice({ controllers }, { ...transport, logger: false });
    try {
      await app.listen();
    } catch (error) {
      await app.close();
      await closeAll(hosts);
      throw error;
    }
    hosts.push({ name, app, peer: new GrpcJsPeer(options.url, HEROES_PROTO) });
  }
  return hosts;
}

export async function closeAll(hosts: readonly TransportHost[]): Promise<void> {
  for (const host of hosts) {
    host.peer.close();
    await host.app.close();
  }
}

/** grpc-js's server says 'OK' with status 0, ours nothing: not a difference a caller acts on. */
function comparable(outcome: Outcome): Outcome {
  return outcome.code === 0 ? { ...outcome, details: '' } : outcome;
}

/** Runs the scenario on each host in turn, asserts both answered the same, and returns that answer. */
export async function sameOnBoth(
  hosts: readonly TransportHost[],
  scenario: (peer: GrpcJsPeer, host: TransportHost) => Promise<Outcome>,
): Promise<Outcome> {
  const [builtIn, ours] = hosts;
  if (builtIn === undefined || ours === undefined) throw new Error('the apps did not start');
  const expected = comparable(await scenario(builtIn.peer, builtIn));
  const actual = comparable(await scenario(ours.peer, ours));
  assert.deepEqual(actual, expected, 'GrpcTransportStrategy answers as Transport.GRPC does');
  return expected;
}
