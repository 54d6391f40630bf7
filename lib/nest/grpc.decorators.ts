// Handler decorators: bind a controller method to a gRPC method of the loaded protos.
import { MessagePattern } from '@nestjs/microservices';

/** The transport id of GrpcTransportStrategy; handlers decorated with @GrpcHandler carry it. */
export const GRPC_TRANSPORT: unique symbol = Symbol('nestjs-grpc-transport');

/** The pattern @GrpcHandler registers: service and method names as written in the .proto. */
export interface GrpcHandlerPattern {
  readonly service: string;
  readonly rpc: string;
}

/**
 * Serves a gRPC method with the decorated controller method, whatever its streaming shape: the
 * transport reads from the schema whether requests arrive as one message or an Observable.
 * Names default as Nest's @GrpcMethod defaults them: the class name, and the method name with its
 * first letter capitalised. `service` may be short (`Heroes`) or fully qualified (`hero.Heroes`).
 */
export function GrpcHandler(service?: string, method?: string): MethodDecorator {
  return (target, key, descriptor) => {
    const pattern: GrpcHandlerPattern = {
      service: service ?? (target as { constructor: { name: string } }).constructor.name,
      rpc: method ?? capitalize(String(key)),
    };
    return MessagePattern(pattern, GRPC_TRANSPORT)(target, key, descriptor);
  };
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
