// One web request and its response, over HTTP/2 (a node:http2 stream) or HTTP/1.1 (node:http's request and
// response): the few operations the web protocols need, so they are written once for both.
import { constants } from 'node:http2';
import type { ServerHttp2Stream } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';

/** Response headers with ':status' as a number; the HTTP/1.1 side moves it to the status line. */
export type WebHeaders = Record<string, string | string[] | number>;

/** A request body to read and a response to write, whatever the HTTP version. */
export interface WebExchange {
  /** The request body: 'data', 'end' and 'close' events. */
  readonly input: Readable;
  /** The response body's stream: 'drain', 'close', writableLength. */
  readonly output: Writable;
  readonly socket: Socket | undefined;
  readonly httpVersion: '1.1' | '2';
  respond(headers: WebHeaders, endStream: boolean): void;
  /** The client went away, or the exchange was reset. */
  readonly aborted: boolean;
  /** Stop receiving a request body no one will read (HTTP/2: RST_STREAM NO_ERROR; HTTP/1.1: nothing to do). */
  stopReceiving(): void;
}

/** An HTTP/2 stream: its own readable and writable sides. */
export function http2Exchange(stream: ServerHttp2Stream): WebExchange {
  return {
    input: stream,
    output: stream,
    get socket() { return stream.session?.socket as Socket | undefined; },
    httpVersion: '2',
    respond: (headers, endStream) => stream.respond(headers, { endStream }),
    get aborted() { return stream.aborted || stream.destroyed; },
    stopReceiving: () => {
      if (!stream.readableEnded && !stream.destroyed) stream.close(constants.NGHTTP2_NO_ERROR);
    },
  };
}

/** An HTTP/1.1 request and its response. */
export function http1Exchange(request: IncomingMessage, response: ServerResponse): WebExchange {
  return {
    input: request,
    output: response,
    socket: request.socket,
    httpVersion: '1.1',
    respond: (headers, endStream) => {
      const { ':status': status, ...rest } = headers;
      response.writeHead(Number(status ?? 200), rest);
      if (endStream) response.end();
    },
    get aborted() { return request.destroyed && !request.complete; },
    stopReceiving: () => {},
  };
}
