import 'reflect-metadata';
// The Nest strategy with `web: true`: a guarded controller with a validating pipe answers Connect (JSON, over
// HTTP/1.1) and gRPC-Web callers as it answers gRPC ones: the guard, the pipe and the exception filter all apply.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BadRequestException, Controller, UseGuards } from '@nestjs/common';
import type { CanActivate, ExecutionContext, PipeTransform } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { GrpcHandler } from '../../lib/nest/grpc.decorators.js';
import type { CallContext } from '../../lib/server/call-context.js';
import { hostControllers, TEST_TIMEOUT } from '../nest/server/fixtures.js';
import type { HostedApp } from '../nest/server/fixtures.js';

interface ItemRequest { id: number; kind: string }

class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToRpc().getContext<CallContext>().metadata.get('x-token')[0] === 'secret';
  }
}

class PositiveId implements PipeTransform<ItemRequest, ItemRequest> {
  transform(value: ItemRequest): ItemRequest {
    if (value.id <= 0) throw new BadRequestException('id must be a positive number');
    return value;
  }
}

@Controller()
@UseGuards(TokenGuard)
class Catalog {
  @GrpcHandler()
  getItem(@Payload(PositiveId) request: ItemRequest): { id: number; name: string } {
    return { id: request.id, name: `item ${request.id}` };
  }
}

describe('GrpcTransportStrategy with web: true', () => {
  let hosted: HostedApp;
  before(async () => { hosted = await hostControllers([Catalog], { web: true }); }, TEST_TIMEOUT);
  after(async () => { await hosted?.app.close(); }, TEST_TIMEOUT);

  const call = (body: object, headers: Record<string, string> = {}) => fetch(`http://${hosted.address}/shop.Catalog/GetItem`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  });

  it('Connect JSON: the guard lets a call with the token through, and the handler answers', TEST_TIMEOUT, async () => {
    const response = await call({ id: 3 }, { 'x-token': 'secret' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { id: 3, name: 'item 3' });
  });

  it('Connect JSON: the guard denies: 403 permission_denied', TEST_TIMEOUT, async () => {
    const response = await call({ id: 3 });
    assert.equal(response.status, 403);
    assert.deepEqual(await response.json(), { code: 'permission_denied', message: 'Forbidden resource' });
  });

  it('Connect JSON: the pipe refuses: 400 invalid_argument with its message', TEST_TIMEOUT, async () => {
    const response = await call({ id: 0 }, { 'x-token': 'secret' });
    assert.equal(response.status, 400);
    const error = (await response.json()) as { code: string; message: string };
    assert.equal(error.code, 'invalid_argument');
    assert.match(error.message, /id must be a positive number/);
  });

  it('gRPC-Web: the same guard, its status in the trailer frame', TEST_TIMEOUT, async () => {
    const response = await fetch(`http://${hosted.address}/shop.Catalog/GetItem`, {
      method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: Buffer.from([0, 0, 0, 0, 2, 0x08, 0x03]),
    });
    const status = response.headers.get('grpc-status') ?? /grpc-status: (\d+)/.exec(Buffer.from(await response.arrayBuffer()).toString('latin1'))?.[1];
    assert.equal(status, '7');
  });
});
