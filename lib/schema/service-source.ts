// Which protobufjs Service a ServiceDescriptor or MethodDescriptor was described from, so server reflection
// (grpc.reflection.v1) can rebuild the .proto files behind what a server serves without widening the public types.
import type { Service } from 'protobufjs';
import type { MethodDescriptor, ServiceDescriptor } from './descriptors.js';

const sources = new WeakMap<ServiceDescriptor | MethodDescriptor, Service>();

/** Remembers the Service behind `descriptor`; called once per descriptor by describeRoot. */
export function recordServiceSource(descriptor: ServiceDescriptor | MethodDescriptor, service: Service): void {
  sources.set(descriptor, service);
}

/** The protobufjs Service `descriptor` was built from; undefined for descriptors built by hand. */
export function serviceSourceOf(descriptor: ServiceDescriptor | MethodDescriptor): Service | undefined {
  return sources.get(descriptor);
}
