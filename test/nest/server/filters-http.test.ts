// GrpcExceptionFilter's HttpException -> gRPC code table (google.rpc.Code's HTTP mapping, 409 ALREADY_EXISTS and
// 408 DEADLINE_EXCEEDED on top), checked through the filter itself with Nest's own exception classes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BadGatewayException, BadRequestException, ConflictException, ForbiddenException, GatewayTimeoutException,
  HttpException, HttpVersionNotSupportedException, InternalServerErrorException, NotFoundException,
  NotImplementedException, PayloadTooLargeException, PreconditionFailedException, RequestTimeoutException,
  ServiceUnavailableException, UnauthorizedException, UnprocessableEntityException,
} from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { GrpcExceptionFilter } from '../../../lib/nest/grpc-exception.filter.js';
import { GrpcError } from '../../../lib/protocol/grpc-error.js';
import { Status } from '../../../lib/protocol/status.js';

const TABLE: Array<[HttpException, Status]> = [
  [new BadRequestException('x'), Status.INVALID_ARGUMENT],
  [new UnauthorizedException('x'), Status.UNAUTHENTICATED],
  [new ForbiddenException('x'), Status.PERMISSION_DENIED],
  [new NotFoundException('x'), Status.NOT_FOUND],
  [new RequestTimeoutException('x'), Status.DEADLINE_EXCEEDED],
  [new ConflictException('x'), Status.ALREADY_EXISTS],
  [new PreconditionFailedException('x'), Status.FAILED_PRECONDITION],
  [new PayloadTooLargeException('x'), Status.FAILED_PRECONDITION],
  [new HttpException('x', 416), Status.OUT_OF_RANGE],
  [new UnprocessableEntityException('x'), Status.FAILED_PRECONDITION],
  [new HttpException('x', 429), Status.RESOURCE_EXHAUSTED],
  [new HttpException('x', 499), Status.CANCELLED],
  [new InternalServerErrorException('x'), Status.INTERNAL],
  [new NotImplementedException('x'), Status.UNIMPLEMENTED],
  [new BadGatewayException('x'), Status.INTERNAL],
  [new ServiceUnavailableException('x'), Status.UNAVAILABLE],
  [new GatewayTimeoutException('x'), Status.DEADLINE_EXCEEDED],
  [new HttpVersionNotSupportedException('x'), Status.INTERNAL],
  [new HttpException('x', 302), Status.UNKNOWN],
];

class ExposedFilter extends GrpcExceptionFilter {
  map(exception: unknown): GrpcError | undefined {
    return this.toGrpcError(exception);
  }
}

/** What the filter's Observable fails with. */
async function caught(exception: unknown): Promise<unknown> {
  return firstValueFrom(new GrpcExceptionFilter().catch(exception, {} as ArgumentsHost)).then(
    () => assert.fail('the filter must fail its Observable'), (err: unknown) => err);
}

describe('GrpcExceptionFilter: HttpException by HTTP status', () => {
  for (const [exception, code] of TABLE) {
    it(`${exception.getStatus()} ${exception.constructor.name} -> ${Status[code]}`, async () => {
      const error = await caught(exception);
      assert.ok(error instanceof GrpcError);
      assert.deepEqual([error.code, error.message, error.cause], [code, 'x', exception]);
    });
  }

  it("ValidationPipe's list of messages reads as one message", async () => {
    const error = await caught(new BadRequestException(['name is empty', 'id must be positive']));
    assert.deepEqual([(error as GrpcError).code, (error as GrpcError).message],
      [Status.INVALID_ARGUMENT, 'name is empty; id must be positive']);
  });

  it('anything unmapped goes on unchanged, for the server to answer UNKNOWN', async () => {
    const plain = new Error('boom');
    assert.equal(await caught(plain), plain);
    assert.equal(new ExposedFilter().map(plain), undefined);
  });
});
