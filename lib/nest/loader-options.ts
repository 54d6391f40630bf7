// The message shape of the Nest layer: @grpc/proto-loader's own defaults, as Transport.GRPC uses them,
// so that a service switched to our strategy (or a caller to our ClientProxy) sees the same objects.
import type { LoadOptions } from '../schema/load-protos.js';

/**
 * proto-loader's defaults spelled out: lowerCamelCase field names, Long objects for 64-bit integers,
 * enum numbers, Buffers, no defaults for unset fields, no virtual oneof properties, no JSON forms. A field set
 * explicitly, even to 0 or '', is still sent and read back as set, as proto-loader does.
 */
export const PROTO_LOADER_DEFAULTS: Readonly<LoadOptions> = Object.freeze({
  keepCase: false,
  longs: null,
  enums: Number,
  bytes: Buffer,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
  json: false,
});

/** A Nest `loader` option over proto-loader's defaults: what is unset means what it means to proto-loader. */
export function nestLoaderOptions(loader: LoadOptions | undefined): LoadOptions {
  return { ...PROTO_LOADER_DEFAULTS, ...loader };
}
