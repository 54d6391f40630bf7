// The grpc.testing messages as JavaScript sees them (keepCase, enums as names, bytes as Buffers), the
// protos' location, and the constants doc/interop-test-descriptions.md fixes (sizes, echo keys).
import { fileURLToPath } from 'node:url';

/** test/interop/protos, from the compiled dist/test/interop or dist/interop alike. */
export const PROTO_DIR = fileURLToPath(new URL('../../../test/interop/protos', import.meta.url));
export const TEST_PROTO = `${PROTO_DIR}/test.proto`;
/** The loader options every side uses: proto-loader's grpc.io settings, so both peers see one shape. */
export const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR] };

export const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
export const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';
export const ECHO_INITIAL_VALUE = 'test_initial_metadata_value';
export const ECHO_TRAILING_VALUE = Buffer.from([0xab, 0xab, 0xab]);

export const LARGE_REQUEST_SIZE = 271828;
export const LARGE_RESPONSE_SIZE = 314159;
export const STREAM_REQUEST_SIZES: readonly number[] = [27182, 8, 1828, 45904];
export const STREAM_RESPONSE_SIZES: readonly number[] = [31415, 9, 2653, 58979];
/** grpc-java's unaryPayloadLength(), used by very_large_request / very_large_response. */
export const VERY_LARGE_SIZE = 10 * 1024 * 1024;
/** Message limit of every interop server and client here: above VERY_LARGE_SIZE, as grpc-java's 16 MiB. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
export const SPECIAL_STATUS_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';

export interface BoolValue { value: boolean }
export interface Payload { type?: string; body: Buffer }
export interface EchoStatus { code: number; message: string }

export interface SimpleRequest {
  response_type?: string;
  response_size?: number;
  payload?: Payload | null;
  response_compressed?: BoolValue | null;
  response_status?: EchoStatus | null;
  expect_compressed?: BoolValue | null;
}
export interface SimpleResponse { payload: Payload | null }

export interface StreamingInputCallRequest { payload?: Payload | null; expect_compressed?: BoolValue | null }
export interface StreamingInputCallResponse { aggregated_payload_size: number }

export interface ResponseParameters { size: number; interval_us?: number; compressed?: BoolValue | null }
export interface StreamingOutputCallRequest {
  response_type?: string;
  response_parameters?: ResponseParameters[];
  payload?: Payload | null;
  response_status?: EchoStatus | null;
}
export interface StreamingOutputCallResponse { payload: Payload | null }

/** A COMPRESSABLE payload of `size` zero bytes, as every case sends and expects. */
export function zeroPayload(size: number): Payload {
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

/** True when `body` is `size` zero bytes. */
export function isZeros(body: Buffer | undefined, size: number): boolean {
  return body !== undefined && body.length === size && body.equals(Buffer.alloc(size));
}

/** Bytes of a payload's body; an unset payload has none. */
export function bodyLength(payload: Payload | null | undefined): number {
  return payload?.body.length ?? 0;
}
