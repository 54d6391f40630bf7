// What counts as a stream of messages handed in as a value: a handler's answer on the server, a streaming request on
// the client. One rule for both sides, so the same producer reads the same way wherever it is given.

/** True for async iterables (a stream the engine pulls with backpressure). */
export function isAsyncIterable<T = unknown>(value: unknown): value is AsyncIterable<T> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** True for iterables that are a stream of messages: not strings or Buffers. */
export function isIterable<T = unknown>(value: unknown): value is Iterable<T> {
  // Strings and Buffers iterate too, but are never a stream of messages.
  return typeof value === 'object' && value !== null && Symbol.iterator in value && !ArrayBuffer.isView(value);
}
