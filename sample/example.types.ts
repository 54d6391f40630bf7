// The example service's messages and its client interface, as the caller sees them.
import type { Observable } from 'rxjs';
import type { CallOptions, ProxyMetadata } from '../lib/nest/index.js';

export interface ExampleRequest {
  value: string;
  multiplier: number;
}

export interface ExampleReply {
  message: string;
  seqno: number;
}

/** getService<ExampleService>('example'): every method returns an Observable, as with Nest's ClientGrpc. */
export interface ExampleService {
  unary_unary(request: ExampleRequest, metadata?: ProxyMetadata, options?: CallOptions): Observable<ExampleReply>;
  unary_stream(request: ExampleRequest, metadata?: ProxyMetadata, options?: CallOptions): Observable<ExampleReply>;
  stream_unary(requests: Observable<ExampleRequest>, metadata?: ProxyMetadata, options?: CallOptions): Observable<ExampleReply>;
  stream_stream(requests: Observable<ExampleRequest>, metadata?: ProxyMetadata, options?: CallOptions): Observable<ExampleReply>;
}
