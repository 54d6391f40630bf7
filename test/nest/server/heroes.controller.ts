// A controller written for Nest's built-in Transport.GRPC only (@GrpcMethod, @GrpcStreamMethod, @GrpcStreamCall,
// grpc-js types, the Nest docs' samples): the drop-in tests run it unchanged under both transports.
import grpc from '@grpc/grpc-js';
import type { Metadata, sendUnaryData, ServerDuplexStream, ServerReadableStream, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall, GrpcStreamMethod, RpcException } from '@nestjs/microservices';
import { count, filter, from, interval, map, Subject } from 'rxjs';
import type { Observable } from 'rxjs';

export interface HeroById { id: number }
export interface Hero { id: number; name: string }

const HEROES: Hero[] = [{ id: 1, name: 'John' }, { id: 2, name: 'Doe' }, { id: 3, name: 'Ada' }];

const pickCustom = <T>(map: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(map).filter(([key]) => key.startsWith('x-')));

@Controller()
export class HeroesController {
  /** What Watch saw of its call once the client went away. */
  readonly watched: Array<{ event: string; cancelled: boolean }> = [];

  @GrpcMethod('HeroesService', 'FindOne')
  findOne(data: HeroById, _metadata: Metadata, _call: ServerUnaryCall<HeroById, Hero>): Hero | undefined {
    return HEROES.find(({ id }) => id === data.id);
  }

  @GrpcMethod('HeroesService')
  listHeroes(data: HeroById): Observable<Hero> {
    return from(HEROES).pipe(filter((hero) => hero.id >= data.id));
  }

  @GrpcStreamMethod('HeroesService')
  findMany(data$: Observable<HeroById>): Observable<Hero> {
    const hero$ = new Subject<Hero>();
    const onNext = (heroById: HeroById): void => {
      hero$.next(HEROES.find(({ id }) => id === heroById.id) ?? { id: heroById.id, name: 'unknown' });
    };
    data$.subscribe({ next: onNext, complete: () => hero$.complete() });
    return hero$.asObservable();
  }

  // An Observable, not a Promise: Transport.GRPC replays buffered requests only once the handler's
  // answer settles, so a Promise that waits for the requests never settles there.
  @GrpcStreamMethod('HeroesService')
  countHeroes(data$: Observable<HeroById>, metadata: Metadata): Observable<{ count: number }> {
    const minimum = Number(metadata.get('x-min-id')[0] ?? 0);
    return data$.pipe(filter((h) => h.id >= minimum), count(), map((n) => ({ count: n })));
  }

  @GrpcStreamCall('HeroesService')
  chat(call: ServerDuplexStream<HeroById, Hero>): void {
    const title = call.metadata.get('x-title')[0];
    const prefix = title === undefined ? '' : `${String(title)} `;
    call.on('data', (message: HeroById) => {
      if (message.id === 99) call.emit('error', Object.assign(new Error('hero 99 is out of range'), { code: grpc.status.OUT_OF_RANGE }));
      else call.write({ id: message.id, name: `${prefix}${HEROES.find(({ id }) => id === message.id)?.name ?? '?'}` });
    });
    call.on('end', () => call.end());
  }

  @GrpcStreamCall('HeroesService')
  upload(stream: ServerReadableStream<HeroById, { count: number }>, callback: sendUnaryData<{ count: number }>): void {
    let received = 0;
    stream.on('data', () => { received++; });
    stream.on('end', () => callback(null, { count: received }));
  }

  @GrpcMethod('HeroesService')
  inspect(data: HeroById, metadata: Metadata, call: ServerUnaryCall<HeroById, { json: string }>): { json: string } {
    const copy = metadata.clone();
    copy.set('x-set', 'one');
    copy.add('x-set', 'two');
    copy.remove('x-token');
    metadata.add('x-added', 'later');
    const deadline = call.getDeadline();
    const remaining = (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now();
    return { json: JSON.stringify({
      data, request: call.request,
      token: metadata.get('x-token'),
      blob: metadata.get('x-blob-bin').map((value) => Buffer.from(value).toString('hex')),
      map: pickCustom(metadata.getMap()), copy: pickCustom(copy.getMap()),
      copySet: copy.get('x-set'), originalSet: metadata.get('x-set'),
      peer: /^127\.0\.0\.1:\d+$/.test(call.getPeer()), cancelled: call.cancelled,
      deadline: remaining === Infinity ? 'none' : remaining > 0 && remaining <= 5000 ? 'within 5 s' : remaining,
    }) };
  }

  /** The Nest docs' sample: response metadata built with grpc-js's Metadata and sent through the call. */
  @GrpcMethod('HeroesService')
  greet(data: HeroById, _metadata: Metadata, call: ServerUnaryCall<HeroById, Hero>): Hero {
    const serverMetadata = new grpc.Metadata();
    serverMetadata.add('x-greeting', 'hello');
    call.sendMetadata(serverMetadata);
    return { id: data.id, name: 'greeted' };
  }

  @GrpcMethod('HeroesService')
  fail(data: HeroById): Hero {
    if (data.id === 1) throw new RpcException({ code: grpc.status.NOT_FOUND, message: 'hero 1 not found' });
    if (data.id === 2) {
      const metadata = new grpc.Metadata();
      metadata.set('x-reason', 'retired');
      throw new RpcException({ code: grpc.status.FAILED_PRECONDITION, message: 'hero 2 retired', metadata });
    }
    throw new Error(`hero ${data.id} exploded`);
  }

  /** Answers nothing for a google.protobuf.Empty response: fine on both transports, as proto-loader serializes it. */
  @GrpcMethod('HeroesService')
  forget(_data: HeroById): void {}

  @GrpcMethod('HeroesService')
  watch(_data: HeroById, _metadata: Metadata, call: ServerWritableStream<HeroById, Hero>): Observable<Hero> {
    call.on('cancelled', () => this.watched.push({ event: 'cancelled', cancelled: call.cancelled }));
    return interval(10).pipe(map((n) => ({ id: n, name: 'tick' })));
  }
}
