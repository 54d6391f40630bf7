// Buffers over bytes that already exist: the one zero-copy wrap every layer uses when a Uint8Array must be read
// or handed on as a Buffer (protobufjs, zlib and callers may give plain Uint8Arrays).

/** `bytes` as a Buffer over the same memory: itself when it is one, else a view; never a copy. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
