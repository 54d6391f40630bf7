// Where a Nest gRPC option set gets its services: `protoPath` (loaded here) or `packageDefinition` (one the app
// loaded with @grpc/proto-loader, served with its own codecs), exactly one of them, as Transport.GRPC requires.
import { describeRoot } from '../schema/descriptors.js';
import type { Schema } from '../schema/descriptors.js';
import { schemaOfPackageDefinition } from '../schema/grpc-js-definition.js';
import type { PackageDefinition } from '../schema/grpc-js-definition.js';
import { loadRoot } from '../schema/load-protos.js';
import { createPackageDefinition } from '../schema/package-definition.js';
import { loadOptionsOf } from './nest-loader.js';
import type { NestLoaderOptions } from './nest-loader.js';

/** The options naming the protos, as Transport.GRPC has them. */
export interface ProtoSourceOptions {
  protoPath?: string | string[];
  packageDefinition?: PackageDefinition;
  loader?: NestLoaderOptions;
}

/** The loaded services, and the proto-loader PackageDefinition of them (built on first request). */
export interface ProtoSource {
  readonly schema: Schema;
  packageDefinition(): PackageDefinition;
}

/** Loads what `options` name; throws Transport.GRPC's messages when both or neither are given. */
export function loadProtoSource(options: ProtoSourceOptions): ProtoSource {
  const { protoPath, packageDefinition } = options;
  if (protoPath !== undefined && packageDefinition !== undefined) {
    throw new TypeError('Invalid gRPC configuration. Both protoPath and packageDefinition cannot be defined at the same time.');
  }
  if (packageDefinition !== undefined) {
    return { schema: schemaOfPackageDefinition(packageDefinition), packageDefinition: () => packageDefinition };
  }
  if (protoPath === undefined) throw new TypeError('Invalid gRPC configuration. protoPath or packageDefinition must be defined.');
  const loader = loadOptionsOf(options.loader);
  const root = loadRoot(protoPath, loader);
  const schema = describeRoot(root, loader);
  let definition: PackageDefinition | undefined;
  return { schema, packageDefinition: () => (definition ??= createPackageDefinition(root, schema, loader)) };
}
