// Connect's JSON codec onto the gRPC path, which speaks protobuf: request JSON -> protobuf bytes before the call
// reads them, response protobuf bytes -> JSON after it wrote them, by the proto3 JSON mapping (proto3-json.ts).
import type { Type } from 'protobufjs';
import { errorMessageOf, GrpcError } from '../../protocol/grpc-error.js';
import { Status } from '../../protocol/status.js';
import type { MethodDescriptor } from '../../schema/descriptors.js';
import { serviceSourceOf } from '../../schema/proto-sources.js';
import { fromProto3Json, toProto3Json } from '../../schema/proto3-json.js';

/** One method's request and response bodies between JSON and protobuf. */
export interface MessageTranscoder {
  /** A JSON request body -> protobuf bytes, or INVALID_ARGUMENT. */
  request(json: Buffer): Buffer | GrpcError;
  /** Protobuf response bytes -> JSON. */
  response(bytes: Uint8Array): Buffer;
}

const transcoders = new WeakMap<MethodDescriptor, MessageTranscoder | null>();

/** The method's transcoder, built once; undefined for a method built by hand (no protobufjs types behind it). */
export function transcoderOf(method: MethodDescriptor): MessageTranscoder | undefined {
  let transcoder = transcoders.get(method);
  if (transcoder === undefined) {
    const found = serviceSourceOf(method)?.methods[method.name];
    const requestType = found?.resolvedRequestType;
    const responseType = found?.resolvedResponseType;
    transcoder = requestType && responseType ? createTranscoder(requestType, responseType) : null;
    transcoders.set(method, transcoder);
  }
  return transcoder ?? undefined;
}

function createTranscoder(requestType: Type, responseType: Type): MessageTranscoder {
  return {
    request(json) {
      try {
        const text = json.length === 0 ? '{}' : json.toString('utf8');
        return Buffer.from(requestType.encode(fromProto3Json(requestType, JSON.parse(text) as unknown)).finish());
      } catch (err) {
        return new GrpcError(Status.INVALID_ARGUMENT, `The JSON request does not match ${requestType.fullName.slice(1)}: ${errorMessageOf(err)}`);
      }
    },
    response(bytes) {
      return Buffer.from(JSON.stringify(toProto3Json(responseType, responseType.decode(bytes))));
    },
  };
}

/** Whether the .proto marks the method `option idempotency_level = NO_SIDE_EFFECTS` (Connect serves it by GET). */
export function hasNoSideEffects(method: MethodDescriptor): boolean {
  return serviceSourceOf(method)?.methods[method.name]?.options?.['idempotency_level'] === 'NO_SIDE_EFFECTS';
}
