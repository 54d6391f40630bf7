// The `loader` option as the Nest layer takes it: ours, or Nest's GrpcOptions['options']['loader'] as typed by Nest
// (`longs: Function`), so options written for Transport.GRPC compile unchanged under strict.
import type { GrpcOptions } from '@nestjs/microservices';
import type { LoadOptions } from '../schema/load-protos.js';
import { nestLoaderOptions } from './loader-options.js';

/** proto-loader's option names, typed as by this library or by Nest. */
export type NestLoaderOptions = LoadOptions | NonNullable<GrpcOptions['options']['loader']>;

/** The load options of a Nest `loader` option, over proto-loader's defaults. */
export function loadOptionsOf(loader: NestLoaderOptions | undefined): LoadOptions {
  // Nest types longs/enums/bytes as any Function; they are read as proto-loader reads them (String, Number,
  // Buffer...), so the value passes as it is.
  return nestLoaderOptions(loader as LoadOptions | undefined);
}
