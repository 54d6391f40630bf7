// Where described services and loaded files came from, for server reflection (grpc.reflection.v1), which rebuilds
// the .proto files behind what a server serves, without widening the public descriptor types.
import type { Root, Service } from 'protobufjs';
import type { MethodDescriptor, ServiceDescriptor } from './descriptors.js';

const sources = new WeakMap<ServiceDescriptor | MethodDescriptor, Service>();
const importNames = new WeakMap<Root, Map<string, string>>();

/** Remembers the Service behind `descriptor`; called once per descriptor by describeRoot. */
export function recordServiceSource(descriptor: ServiceDescriptor | MethodDescriptor, service: Service): void {
  sources.set(descriptor, service);
}

/** The protobufjs Service `descriptor` was built from; undefined for descriptors built by hand. */
export function serviceSourceOf(descriptor: ServiceDescriptor | MethodDescriptor): Service | undefined {
  return sources.get(descriptor);
}

/** Remembers that `root` read the file at `path` for the import (or load) name `name`, found in an include dir. */
export function recordImportName(root: Root, path: string, name: string): void {
  let names = importNames.get(root);
  if (names === undefined) {
    names = new Map();
    importNames.set(root, names);
  }
  if (!names.has(path)) names.set(path, name);
}

/** The name `root` loaded `path` by (as an import statement names it), when it came from an include dir. */
export function importNameOf(root: Root, path: string): string | undefined {
  return importNames.get(root)?.get(path);
}
