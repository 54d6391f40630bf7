// grpc.reflection.v1.ServerReflection (and v1alpha, the same messages) served from a ReflectionIndex: each
// request on the stream gets one response, an ErrorResponse for what is not found (reflection.proto).
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { Status } from '../../protocol/status.js';
import type { ServiceDescriptor } from '../../schema/descriptors.js';
import type { ServerHandler } from '../../server/call-context.js';
import { describeEmbeddedProto } from '../embedded-proto.js';
import type { FilesAnswer, ReflectionIndex } from './reflection-index.js';
import { reflectionProto, reflectionProtoFile, reflectionServiceName } from './reflection-proto.js';
import type { ReflectionVersion } from './reflection-proto.js';

interface ReflectionRequest {
  host: string;
  message_request?: 'file_by_filename' | 'file_containing_symbol' | 'file_containing_extension' | 'all_extension_numbers_of_type' | 'list_services';
  file_by_filename?: string;
  file_containing_symbol?: string;
  file_containing_extension?: { containing_type: string; extension_number: number };
  all_extension_numbers_of_type?: string;
  list_services?: string;
}

/** What the reflection handlers read: the served service names and the index of their files, both current. */
export interface ReflectionSource {
  serviceNames(): string[];
  index(): ReflectionIndex;
}

const descriptors = new Map<ReflectionVersion, ServiceDescriptor>();

/** The ServerReflection descriptor of `version`, parsed once. */
export function reflectionServiceDescriptor(version: ReflectionVersion): ServiceDescriptor {
  let descriptor = descriptors.get(version);
  if (descriptor === undefined) {
    descriptor = describeEmbeddedProto(reflectionProtoFile(version), reflectionProto(version)).service(reflectionServiceName(version));
    descriptors.set(version, descriptor);
  }
  return descriptor;
}

/** The ServerReflectionInfo handler, answering from `source`. */
export function reflectionHandlers(source: ReflectionSource): Record<string, ServerHandler> {
  return {
    ServerReflectionInfo: (requests: Observable<ReflectionRequest>): Observable<Record<string, unknown>> =>
      requests.pipe(map((request) => ({ valid_host: request.host, original_request: request, ...answer(request, source) }))),
  };
}

function answer(request: ReflectionRequest, source: ReflectionSource): Record<string, unknown> {
  switch (request.message_request) {
    case 'list_services':
      return { list_services_response: { service: source.serviceNames().map((name) => ({ name })) } };
    case 'file_by_filename':
      return files(source.index().fileByFilename(request.file_by_filename ?? ''));
    case 'file_containing_symbol':
      return files(source.index().fileContainingSymbol(request.file_containing_symbol ?? ''));
    case 'file_containing_extension': {
      const { containing_type: extendee = '', extension_number: number = 0 } = request.file_containing_extension ?? {};
      return files(source.index().fileContainingExtension(extendee, number));
    }
    case 'all_extension_numbers_of_type': {
      const extendee = request.all_extension_numbers_of_type ?? '';
      const numbers = source.index().extensionNumbersOf(extendee);
      if ('code' in numbers) return errorResponse(numbers.code, numbers.message);
      return { all_extension_numbers_response: { base_type_name: extendee, extension_number: numbers.numbers } };
    }
    default:
      return errorResponse(Status.INVALID_ARGUMENT, 'The request names no message_request');
  }
}

function files(result: FilesAnswer): Record<string, unknown> {
  if ('code' in result) return errorResponse(result.code, result.message);
  return { file_descriptor_response: { file_descriptor_proto: result.files } };
}

function errorResponse(code: Status, message: string): Record<string, unknown> {
  return { error_response: { error_code: code, error_message: message } };
}
