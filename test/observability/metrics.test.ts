// gRFC A66 metrics after a known set of calls: instrument names, units, labels and counts, and compressed sizes
// that agree between the two ends of each call (what one end sent is what the other received).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom, from, toArray } from 'rxjs';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { shapes } from '../server/fixtures.js';
import type { Item } from '../server/fixtures.js';
import { counterPoints, histogramPoints, labels, Recording } from './telemetry-fixtures.js';

const UNARY = shapes.methods.get('Unary')!;
const SERVER_STREAM = shapes.methods.get('ServerStream')!;
const U = 'servertest.Shapes/Unary';
const S = 'servertest.Shapes/ServerStream';

describe('metrics (gRFC A66)', () => {
  it('names, units, labels and counts after 3 OK unary calls, 1 NOT_FOUND and 1 server stream of 2', async () => {
    const recording = new Recording();
    const server = new GrpcServer({ telemetry: recording.options({ traces: false }) });
    server.addService(shapes, {
      Unary: (req: Item) => {
        if (req.text === 'missing') throw new GrpcError(Status.NOT_FOUND, 'no');
        return { text: req.text };
      },
      ServerStream: () => from([{ text: 'ab' }, { text: 'cd' }]),
    });
    const port = await server.listen('127.0.0.1:0');
    const target = `127.0.0.1:${port}`;
    const client = new GrpcClient(target, { telemetry: recording.options({ traces: false }) });
    try {
      for (let i = 0; i < 3; i++) await client.callForResponse(UNARY, { text: 'hello' });
      await assert.rejects(client.callForResponse(UNARY, { text: 'missing' }), { code: Status.NOT_FOUND });
      await lastValueFrom(client.call(SERVER_STREAM, {}).pipe(toArray()));
      await new Promise((r) => setTimeout(r, 50));
      const metrics = await recording.metrics();
      assert.deepEqual([...metrics.keys()].sort(), [
        'grpc.client.attempt.duration', 'grpc.client.attempt.rcvd_total_compressed_message_size', 'grpc.client.attempt.sent_total_compressed_message_size',
        'grpc.client.attempt.started', 'grpc.client.call.duration',
        'grpc.server.call.duration', 'grpc.server.call.rcvd_total_compressed_message_size', 'grpc.server.call.sent_total_compressed_message_size',
        'grpc.server.call.started',
      ]);
      const units = Object.fromEntries([...metrics].map(([name, metric]) => [name, metric.descriptor.unit]));
      assert.deepEqual(units, {
        'grpc.client.attempt.duration': 's', 'grpc.client.attempt.rcvd_total_compressed_message_size': 'By',
        'grpc.client.attempt.sent_total_compressed_message_size': 'By', 'grpc.client.attempt.started': '{attempt}',
        'grpc.client.call.duration': 's', 'grpc.server.call.duration': 's', 'grpc.server.call.rcvd_total_compressed_message_size': 'By',
        'grpc.server.call.sent_total_compressed_message_size': 'By', 'grpc.server.call.started': '{call}',
      });

      assert.deepEqual(counterPoints(metrics.get('grpc.server.call.started')), new Map([
        [labels({ 'grpc.method': U }), 4], [labels({ 'grpc.method': S }), 1]]));
      assert.deepEqual(counterPoints(metrics.get('grpc.client.attempt.started')), new Map([
        [labels({ 'grpc.method': U, 'grpc.target': target }), 4], [labels({ 'grpc.method': S, 'grpc.target': target }), 1]]));

      const counts = (name: string): Record<string, number> =>
        Object.fromEntries([...histogramPoints(metrics.get(name))].map(([key, point]) => [key, point.count]));
      assert.deepEqual(counts('grpc.server.call.duration'), {
        [labels({ 'grpc.method': U, 'grpc.status': 'OK' })]: 3,
        [labels({ 'grpc.method': U, 'grpc.status': 'NOT_FOUND' })]: 1,
        [labels({ 'grpc.method': S, 'grpc.status': 'OK' })]: 1,
      });
      const clientLabels = (method: string, status: string): string => labels({ 'grpc.method': method, 'grpc.status': status, 'grpc.target': target });
      for (const name of ['grpc.client.attempt.duration', 'grpc.client.call.duration', 'grpc.client.attempt.sent_total_compressed_message_size']) {
        assert.deepEqual(counts(name), { [clientLabels(U, 'OK')]: 3, [clientLabels(U, 'NOT_FOUND')]: 1, [clientLabels(S, 'OK')]: 1 }, name);
      }

      // Item{text:'hello'} is 7 bytes; {text:'ab'} 4; an empty Item 0.
      const sums = (name: string): Record<string, number> =>
        Object.fromEntries([...histogramPoints(metrics.get(name))].map(([key, point]) => [key, point.sum]));
      assert.deepEqual(sums('grpc.server.call.rcvd_total_compressed_message_size'), {
        [labels({ 'grpc.method': U, 'grpc.status': 'OK' })]: 21,
        [labels({ 'grpc.method': U, 'grpc.status': 'NOT_FOUND' })]: 9,
        [labels({ 'grpc.method': S, 'grpc.status': 'OK' })]: 0,
      });
      assert.deepEqual(sums('grpc.client.attempt.rcvd_total_compressed_message_size'), {
        [clientLabels(U, 'OK')]: 21, [clientLabels(U, 'NOT_FOUND')]: 0, [clientLabels(S, 'OK')]: 8,
      });
      const duration = histogramPoints(metrics.get('grpc.server.call.duration')).get(labels({ 'grpc.method': U, 'grpc.status': 'OK' }))!;
      assert.ok(duration.sum > 0 && duration.sum < 10, `durations are in seconds, got ${duration.sum}`);
    } finally {
      await client.close({ force: true });
      await server.close({ force: true });
    }
  });

  it("a method the server does not serve is counted under grpc.method 'other', status UNIMPLEMENTED", async () => {
    const recording = new Recording();
    const server = new GrpcServer({ telemetry: recording.options({ traces: false }) });
    server.addService(shapes, { Unary: (req: Item) => ({ text: req.text }) });
    const port = await server.listen('127.0.0.1:0');
    const client = new GrpcClient(`127.0.0.1:${port}`);
    try {
      await assert.rejects(client.callForResponse(shapes.methods.get('ClientStream')!, from([{ text: 'a' }])), { code: Status.UNIMPLEMENTED });
      const metrics = await recording.metrics();
      assert.deepEqual(counterPoints(metrics.get('grpc.server.call.started')), new Map([[labels({ 'grpc.method': 'other' }), 1]]));
      assert.deepEqual([...histogramPoints(metrics.get('grpc.server.call.duration')).keys()], [labels({ 'grpc.method': 'other', 'grpc.status': 'UNIMPLEMENTED' })]);
    } finally {
      await client.close({ force: true });
      await server.close({ force: true });
    }
  });

  it('compressed sizes: gzip both ways, each end counts the bytes the other sent, below the uncompressed size', async () => {
    const recording = new Recording();
    const server = new GrpcServer({ telemetry: recording.options({ traces: false }), defaultCompression: 'gzip' });
    server.addService(shapes, { Unary: (req: Item) => ({ text: req.text }) });
    const port = await server.listen('127.0.0.1:0');
    const client = new GrpcClient(`127.0.0.1:${port}`, { telemetry: recording.options({ traces: false }), defaultCompression: 'gzip' });
    try {
      const text = 'compressible '.repeat(1000);
      await client.callForResponse(UNARY, { text });
      await new Promise((r) => setTimeout(r, 50));
      const metrics = await recording.metrics();
      const sum = (name: string): number => [...histogramPoints(metrics.get(name)).values()][0]!.sum;
      const uncompressed = text.length + 3;
      const clientSent = sum('grpc.client.attempt.sent_total_compressed_message_size');
      assert.ok(clientSent > 0 && clientSent < uncompressed / 10, `gzip sent ${clientSent} of ${uncompressed}`);
      assert.equal(sum('grpc.server.call.rcvd_total_compressed_message_size'), clientSent);
      const serverSent = sum('grpc.server.call.sent_total_compressed_message_size');
      assert.ok(serverSent > 0 && serverSent < uncompressed / 10, `gzip sent ${serverSent} of ${uncompressed}`);
      assert.equal(sum('grpc.client.attempt.rcvd_total_compressed_message_size'), serverSent);
    } finally {
      await client.close({ force: true });
      await server.close({ force: true });
    }
  });
});
