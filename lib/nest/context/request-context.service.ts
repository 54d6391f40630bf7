// GrpcRequestContextService: the current gRPC call's context for any provider, by injection instead of the static
// GrpcRequestContext.current(). A singleton: each read looks up the call being served right now.

import { Injectable } from '@nestjs/common';
import type { Metadata, MetadataValue } from '../../protocol/metadata.js';
import { GrpcRequestContext } from '../../context/request-context.js';

/** Reads and extends the context of the gRPC call being handled. */
@Injectable()
export class GrpcRequestContextService {
  /** The current call's context, or undefined outside a served call. */
  get current(): GrpcRequestContext | undefined {
    return GrpcRequestContext.current();
  }

  /** The current call's context; throws outside a served call. */
  require(): GrpcRequestContext {
    return GrpcRequestContext.require();
  }

  /** This call's id, or undefined outside a served call. */
  get callId(): string | undefined {
    return GrpcRequestContext.current()?.callId;
  }

  /** The call ids that led here, oldest first, this call's last; empty outside a served call. */
  get callIdStack(): readonly string[] {
    return GrpcRequestContext.current()?.callIdStack ?? [];
  }

  /** The request metadata of the current call. */
  get metadata(): Metadata | undefined {
    return GrpcRequestContext.current()?.metadata;
  }

  /** A context data value of the current call. */
  get(name: string): MetadataValue | undefined {
    return GrpcRequestContext.current()?.get(name);
  }

  /** Sets context data that the calls made from here on carry; throws outside a served call. */
  set(name: string, value: MetadataValue): void {
    GrpcRequestContext.require().set(name, value);
  }
}
