// Runs in headless Chromium, bundled by esbuild: calls webtest.Echo on another origin with connect-web over
// gRPC-Web and Connect (JSON and protobuf), then posts what it saw back to the page's own server.
import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { ConnectError, createClient } from '@connectrpc/connect';
import type { Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';

declare const API_URL: string;
declare const DESCRIPTORS: string;

interface Echo {
  unary(request: object, options?: object): Promise<{ text: string; big: bigint; echoedHeader: string }>;
  serverStream(request: object): AsyncIterable<{ index: number }>;
}

async function exercise(name: string, transport: Transport): Promise<Record<string, unknown>> {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, Uint8Array.from(atob(DESCRIPTORS), (c) => c.charCodeAt(0))));
  const client = createClient(registry.getService('webtest.Echo')!, transport) as unknown as Echo;
  const result: Record<string, unknown> = { name };
  try {
    let header: string | null = null;
    let trailer: string | null = null;
    const reply = await client.unary({ text: 'from the browser', big: 123456789012345678n }, {
      headers: { 'x-echo': 'page' },
      onHeader: (h: Headers) => { header = h.get('x-header'); },
      onTrailer: (t: Headers) => { trailer = t.get('x-trailer'); },
    });
    Object.assign(result, { text: reply.text, big: String(reply.big), echoed: reply.echoedHeader, header, trailer });
    const indexes: number[] = [];
    for await (const message of client.serverStream({ count: 3 })) indexes.push(message.index);
    result['stream'] = indexes;
    result['error'] = await client.unary({ failCode: 5 }).then(() => 'none', (err: unknown) => {
      const error = ConnectError.from(err);
      return `${error.code}:${error.rawMessage}:${error.metadata.get('x-trailer') ?? ''}`;
    });
  } catch (err) {
    result['failure'] = String(err);
  }
  return result;
}

async function main(): Promise<void> {
  const results = [
    await exercise('grpc-web', createGrpcWebTransport({ baseUrl: API_URL })),
    await exercise('connect-json', createConnectTransport({ baseUrl: API_URL })),
    await exercise('connect-proto', createConnectTransport({ baseUrl: API_URL, useBinaryFormat: true })),
  ];
  await fetch('/result', { method: 'POST', body: JSON.stringify(results) });
}

void main().catch((err: unknown) => fetch('/result', { method: 'POST', body: JSON.stringify([{ failure: String(err) }]) }));
