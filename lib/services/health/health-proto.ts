// grpc/health/v1/health.proto as published by gRPC (doc/health-checking.md), field numbers unchanged; kept as text
// so it ships inside dist.

export const HEALTH_PROTO_FILE = 'grpc/health/v1/health.proto';

/** The grpc.health.v1 service definition. */
export const HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;

message HealthCheckRequest {
  string service = 1;
}

message HealthCheckResponse {
  enum ServingStatus {
    UNKNOWN = 0;
    SERVING = 1;
    NOT_SERVING = 2;
    SERVICE_UNKNOWN = 3;
  }
  ServingStatus status = 1;
}

message HealthListRequest {
}

message HealthListResponse {
  map<string, HealthCheckResponse> statuses = 1;
}

service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  rpc List(HealthListRequest) returns (HealthListResponse);
  rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
}
`;

/** The fully qualified name of the health service. */
export const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';
