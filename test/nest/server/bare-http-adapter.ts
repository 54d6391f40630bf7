// A minimal HTTP platform for the hybrid-app test: @nestjs/platform-express is not installed, so this
// adapter serves GET routes as JSON on node:http and nothing else (no middleware, views or CORS).
import { AbstractHttpAdapter } from '@nestjs/core';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

type RouteHandler = (request: IncomingMessage, response: ServerResponse, next: () => void) => unknown;

export class BareHttpAdapter extends AbstractHttpAdapter<Server, IncomingMessage, ServerResponse> {
  readonly #routes = new Map<string, RouteHandler>();

  constructor() {
    super({});
  }

  override get(...args: unknown[]): void {
    const [path, handler] = args;
    if (typeof path === 'string' && typeof handler === 'function') this.#routes.set(path, handler as RouteHandler);
  }

  initHttpServer(): void {
    this.httpServer = createServer((request, response) => {
      const route = request.method === 'GET' ? this.#routes.get(new URL(request.url ?? '/', 'http://x').pathname) : undefined;
      if (route === undefined) {
        response.statusCode = 404;
        response.end();
      } else {
        void route(request, response, () => response.end());
      }
    });
  }

  override listen(port: string | number, ...args: unknown[]): void {
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    this.httpServer.listen(Number(port), '127.0.0.1', callback);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.httpServer.listening ? this.httpServer.close(() => resolve()) : resolve()));
  }

  getType(): string {
    return 'bare';
  }

  reply(response: ServerResponse, body: unknown, statusCode?: number): void {
    if (statusCode !== undefined) response.statusCode = statusCode;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(body));
  }

  status(response: ServerResponse, statusCode: number): void {
    response.statusCode = statusCode;
  }

  end(response: ServerResponse, message?: string): void {
    response.end(message);
  }

  isHeadersSent(response: ServerResponse): boolean {
    return response.headersSent;
  }

  getHeader(response: ServerResponse, name: string): unknown {
    return response.getHeader(name);
  }

  setHeader(response: ServerResponse, name: string, value: string): void {
    response.setHeader(name, value);
  }

  appendHeader(response: ServerResponse, name: string, value: string): void {
    response.appendHeader(name, value);
  }

  getRequestHostname(request: IncomingMessage): string | undefined {
    return request.headers.host;
  }

  getRequestMethod(request: IncomingMessage): string | undefined {
    return request.method;
  }

  getRequestUrl(request: IncomingMessage): string | undefined {
    return request.url;
  }

  // Middleware and versioning: not supported; the test app uses neither.
  createMiddlewareFactory(): () => void {
    return () => {};
  }

  applyVersionFilter(): () => () => void {
    return () => () => {};
  }

  // Features this platform does not have.
  useStaticAssets(): void {}
  setViewEngine(): void {}
  render(): void {}
  redirect(): void {}
  setErrorHandler(): void {}
  setNotFoundHandler(): void {}
  registerParserMiddleware(): void {}
  enableCors(): void {}
}
