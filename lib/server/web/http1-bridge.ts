// HTTP/1.1 on the gRPC port. Plaintext: a net.Server reads a connection's first bytes; the HTTP/2 preface
// ("PRI * HTTP/2.0", RFC 9113 3.4) goes to the http2 server, anything else to an http.Server. TLS: ALPN picks;
// 'http/1.1' (or no ALPN) goes to the http.Server instead of node:http2's compatibility layer.
import { createServer as createHttp1Server } from 'node:http';
import type { Server as Http1Server } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { WebFront } from './web-front.js';

const PREFACE_START = Buffer.from('PRI');

/** The HTTP/1.1 side of one server: its http.Server and, for plaintext, the sniffing listener. */
export class Http1Bridge {
  readonly #http1: Http1Server;

  constructor(front: WebFront) {
    this.#http1 = createHttp1Server((request, response) => front.serveHttp1(request, response));
  }

  /** The listener for plaintext: sniffs each connection, hands it on with its first bytes put back. */
  plaintext(http2: Http2Server): NetServer {
    return createNetServer((socket) => this.#sniff(socket, http2));
  }

  /** Over TLS, sends connections that did not choose h2 by ALPN to the http.Server. */
  tls(http2: Http2SecureServer): void {
    const [http2Listener] = http2.listeners('secureConnection') as Array<(socket: TLSSocket) => void>;
    http2.removeAllListeners('secureConnection');
    http2.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') http2Listener?.call(http2, socket);
      else this.#http1.emit('connection', socket);
    });
  }

  /** Closes idle keep-alive connections, or every connection with `force`. */
  close(force: boolean): void {
    this.#http1.closeIdleConnections();
    if (force) this.#http1.closeAllConnections();
  }

  #sniff(socket: Socket, http2: Http2Server): void {
    socket.on('error', ignore);
    // 'readable' and read(), not 'data': a flowing socket handed to node:http2 loses what it already buffered.
    const onReadable = (): void => {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return;
      const seen = Math.min(chunk.length, PREFACE_START.length);
      const preface = chunk.subarray(0, seen).equals(PREFACE_START.subarray(0, seen));
      socket.unshift(chunk);
      if (preface && seen < PREFACE_START.length) return;
      socket.off('readable', onReadable);
      socket.off('error', ignore);
      (preface ? http2 : this.#http1).emit('connection', socket);
    };
    socket.on('readable', onReadable);
  }
}

function ignore(): void {}
