import 'reflect-metadata';
// Exception type -> GrpcError without try/catch under Nest: a GrpcErrorMapper subclass per method, per controller
// and global, and registerErrorHandler through the global GrpcExceptionFilter; each for exceptions a guard, an
// interceptor, a pipe or the method body throws. Rich details and DebugInfo are read with our GrpcClient.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Catch, Controller, HttpException, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import type { CallHandler, CanActivate, ExecutionContext, NestInterceptor, PipeTransform } from '@nestjs/common';
import { Payload, RpcException } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import { GrpcErrorMapper } from '../../../lib/nest/grpc-exception.filter.js';
import { GrpcHandler } from '../../../lib/nest/grpc.decorators.js';
import { GrpcError } from '../../../lib/protocol/grpc-error.js';
import { Metadata } from '../../../lib/protocol/metadata.js';
import { Status } from '../../../lib/protocol/status.js';
import { packDetail } from '../../../lib/protocol/status-details.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { registerErrorHandler } from '../../../lib/server/error-registry.js';
import { CATALOG_PROTO, hostControllers, LOADER, TEST_TIMEOUT } from './fixtures.js';
import type { HostedApp } from './fixtures.js';

class OutOfStockError extends Error {}
class DiscontinuedError extends Error {}
/** An HttpException the app registers a mapping for: the mapping wins over the HTTP status table (410). */
class ItemGoneException extends HttpException {
  constructor(id: number) {
    super(`item ${id} is gone`, 410);
  }
}

interface ItemRequest { id: number; kind: string }
const SOURCES = ['guard', 'interceptor', 'pipe', 'body'] as const;

/** `kind` is '<source>:<error>': the stage that throws and what it throws. */
function throwIfAt(source: string, request: ItemRequest): void {
  const [at, error] = request.kind.split(':');
  if (at !== source) return;
  if (error === 'stock') throw new OutOfStockError(`item ${request.id} is out of stock (${source})`);
  if (error === 'discontinued') throw new DiscontinuedError(`item ${request.id} is discontinued (${source})`);
  if (error === 'gone') throw new ItemGoneException(request.id);
  if (error === 'rpc') throw new RpcException({ code: Status.ALREADY_EXISTS, message: `item ${request.id} exists (${source})` });
  throw new Error(`plain failure (${source})`);
}

class FailingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    throwIfAt('guard', context.switchToRpc().getData<ItemRequest>());
    return true;
  }
}
class FailingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    throwIfAt('interceptor', context.switchToRpc().getData<ItemRequest>());
    return next.handle();
  }
}
class FailingPipe implements PipeTransform<ItemRequest, ItemRequest> {
  transform(value: ItemRequest): ItemRequest {
    throwIfAt('pipe', value);
    return value;
  }
}

@Catch(OutOfStockError)
class OutOfStockMapper extends GrpcErrorMapper<OutOfStockError> {
  toGrpcError(error: OutOfStockError): GrpcError {
    return new GrpcError(Status.FAILED_PRECONDITION, error.message, {
      metadata: new Metadata({ 'x-mapped-by': 'mapper' }),
      details: [packDetail('PreconditionFailure', { violations: [{ type: 'STOCK', subject: 'item', description: error.message }] })],
    });
  }
}

@Controller()
@UseGuards(FailingGuard)
@UseInterceptors(FailingInterceptor)
@UsePipes(FailingPipe)
class MethodScoped {
  @GrpcHandler('Catalog', 'GetItem')
  @UseFilters(OutOfStockMapper)
  getItem(@Payload() request: ItemRequest): { id: number } {
    throwIfAt('body', request);
    return { id: request.id };
  }
}

@Controller()
@UseGuards(FailingGuard)
@UseInterceptors(FailingInterceptor)
@UsePipes(FailingPipe)
@UseFilters(new OutOfStockMapper())
class ControllerScoped {
  @GrpcHandler('Inventory', 'Count')
  async count(@Payload() request: ItemRequest): Promise<{ sum: number }> {
    throwIfAt('body', request);
    return { sum: request.id };
  }
}

/** No filter of its own: in the second app the mapper is global. */
@Controller()
@UseGuards(FailingGuard)
@UseInterceptors(FailingInterceptor)
@UsePipes(FailingPipe)
class Unscoped {
  @GrpcHandler('Catalog', 'GetItem')
  getItem(@Payload() request: ItemRequest): { id: number } {
    throwIfAt('body', request);
    return { id: request.id };
  }
}

const schema = loadProtos(CATALOG_PROTO, LOADER);
type Call = (request: ItemRequest) => Promise<unknown>;

/** The GrpcError a call fails with. */
async function failure(call: Call, request: ItemRequest): Promise<GrpcError> {
  const outcome = await call(request).then(() => undefined, (err: unknown) => err);
  if (outcome instanceof GrpcError) return outcome;
  throw new Error(`expected a GrpcError, got ${String(outcome)}`);
}

describe('mapping exception types under Nest', () => {
  let scoped: HostedApp;
  let global: HostedApp;
  let bare: HostedApp;
  let quiet: HostedApp;
  let clients: GrpcClient[] = [];
  const calls: Record<string, Call> = {};
  let unregister: Array<() => void> = [];

  before(async () => {
    unregister = [
      registerErrorHandler(DiscontinuedError, (error) => new GrpcError(Status.NOT_FOUND, error.message, {
        details: [packDetail('ResourceInfo', { resourceType: 'item', description: error.message })],
      })),
      registerErrorHandler(ItemGoneException, (error) => new GrpcError(Status.DATA_LOSS, error.message)),
    ];
    scoped = await hostControllers([MethodScoped, ControllerScoped]);
    global = await hostControllers([Unscoped], { setup: (app) => app.useGlobalFilters(new OutOfStockMapper()) });
    bare = await hostControllers([Unscoped], { filter: false });
    quiet = await hostControllers([Unscoped], { debugInfo: false });
    const stub = (address: string, service: string): Record<string, { promise: Call }> => {
      const client = new GrpcClient(address);
      clients.push(client);
      return client.getService(schema.service(service)) as unknown as Record<string, { promise: Call }>;
    };
    calls['method'] = (r) => stub(scoped.address, 'shop.Catalog')['GetItem']!.promise(r);
    calls['controller'] = (r) => stub(scoped.address, 'shop.Inventory')['Count']!.promise(r);
    calls['global'] = (r) => stub(global.address, 'shop.Catalog')['GetItem']!.promise(r);
    calls['bare'] = (r) => stub(bare.address, 'shop.Catalog')['GetItem']!.promise(r);
    calls['quiet'] = (r) => stub(quiet.address, 'shop.Catalog')['GetItem']!.promise(r);
  }, TEST_TIMEOUT);
  after(async () => {
    for (const remove of unregister) remove();
    await Promise.all(clients.map((client) => client.close({ force: true })));
    clients = [];
    await scoped?.app.close();
    await global?.app.close();
    await bare?.app.close();
    await quiet?.app.close();
  }, TEST_TIMEOUT);

  for (const scope of ['method', 'controller', 'global']) {
    for (const source of SOURCES) {
      it(`GrpcErrorMapper (${scope}) maps what the ${source} throws`, TEST_TIMEOUT, async () => {
        const error = await failure(calls[scope]!, { id: 4, kind: `${source}:stock` });
        assert.deepEqual([error.code, error.message], [Status.FAILED_PRECONDITION, `item 4 is out of stock (${source})`]);
        assert.deepEqual(error.metadata.get('x-mapped-by'), ['mapper']);
        assert.deepEqual(error.detail('PreconditionFailure')?.violations[0]?.type, 'STOCK');
      });
    }
  }

  for (const source of SOURCES) {
    it(`registerErrorHandler, through GrpcExceptionFilter, maps what the ${source} throws`, TEST_TIMEOUT, async () => {
      const error = await failure(calls['method']!, { id: 6, kind: `${source}:discontinued` });
      assert.deepEqual([error.code, error.message], [Status.NOT_FOUND, `item 6 is discontinued (${source})`]);
      assert.deepEqual(error.detail('ResourceInfo'),
        { resourceType: 'item', resourceName: '', owner: '', description: `item 6 is discontinued (${source})` });
    });

    it(`an unmapped Error from the ${source}: UNKNOWN with a DebugInfo`, TEST_TIMEOUT, async () => {
      const error = await failure(calls['controller']!, { id: 1, kind: `${source}:plain` });
      assert.deepEqual([error.code, error.message], [Status.UNKNOWN, `Exception calling application: plain failure (${source})`]);
      const info = error.detail('DebugInfo');
      assert.equal(info?.detail, `Error: plain failure (${source})`);
      assert.ok(info?.stackEntries.some((line) => line.includes('throwIfAt')), info?.stackEntries.join('\n'));
    });
  }

  it('a registered HttpException subclass: the mapping wins over the HTTP table', TEST_TIMEOUT, async () => {
    const error = await failure(calls['method']!, { id: 3, kind: 'pipe:gone' });
    assert.deepEqual([error.code, error.message], [Status.DATA_LOSS, 'item 3 is gone']);
  });

  it("without GrpcExceptionFilter, Nest's own filter: RpcException({ code, message }) keeps its status", TEST_TIMEOUT, async () => {
    const error = await failure(calls['bare']!, { id: 5, kind: 'guard:rpc' });
    assert.deepEqual([error.code, error.message], [Status.ALREADY_EXISTS, 'item 5 exists (guard)']);
  });

  it("without GrpcExceptionFilter, anything else is Nest's UNKNOWN 'Internal server error', no details", TEST_TIMEOUT, async () => {
    const error = await failure(calls['bare']!, { id: 5, kind: 'body:discontinued' });
    assert.deepEqual([error.code, error.message, error.details], [Status.UNKNOWN, 'Internal server error', undefined]);
  });

  it('GrpcTransportStrategy({ debugInfo: false }): UNKNOWN without a DebugInfo', TEST_TIMEOUT, async () => {
    const error = await failure(calls['quiet']!, { id: 1, kind: 'interceptor:plain' });
    assert.deepEqual([error.code, error.details], [Status.UNKNOWN, undefined]);
  });

  it('the mapper leaves other exceptions to the next filter', TEST_TIMEOUT, async () => {
    const error = await failure(calls['global']!, { id: 2, kind: 'body:discontinued' });
    assert.equal(error.code, Status.NOT_FOUND);
  });
});
