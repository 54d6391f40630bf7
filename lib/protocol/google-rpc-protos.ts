// google/rpc/status.proto and google/rpc/error_details.proto, written from the public googleapis definitions
// (field numbers as published), kept as text so they ship in dist, and parsed once on first use.
import { common, parse, Root } from 'protobufjs';
import type { Type } from 'protobufjs';

/** google/rpc/status.proto: the message carried, encoded, in grpc-status-details-bin. */
export const STATUS_PROTO = `
syntax = "proto3";
package google.rpc;
import "google/protobuf/any.proto";

message Status {
  int32 code = 1;
  string message = 2;
  repeated google.protobuf.Any details = 3;
}
`;

/** google/rpc/error_details.proto: the standard detail messages. */
export const ERROR_DETAILS_PROTO = `
syntax = "proto3";
package google.rpc;
import "google/protobuf/duration.proto";

message ErrorInfo {
  string reason = 1;
  string domain = 2;
  map<string, string> metadata = 3;
}

message RetryInfo {
  google.protobuf.Duration retry_delay = 1;
}

message DebugInfo {
  repeated string stack_entries = 1;
  string detail = 2;
}

message QuotaFailure {
  message Violation {
    string subject = 1;
    string description = 2;
    string api_service = 3;
    string quota_metric = 4;
    string quota_id = 5;
    map<string, string> quota_dimensions = 6;
    int64 quota_value = 7;
    optional int64 future_quota_value = 8;
  }
  repeated Violation violations = 1;
}

message PreconditionFailure {
  message Violation {
    string type = 1;
    string subject = 2;
    string description = 3;
  }
  repeated Violation violations = 1;
}

message BadRequest {
  message FieldViolation {
    string field = 1;
    string description = 2;
    string reason = 3;
    LocalizedMessage localized_message = 4;
  }
  repeated FieldViolation field_violations = 1;
}

message RequestInfo {
  string request_id = 1;
  string serving_data = 2;
}

message ResourceInfo {
  string resource_type = 1;
  string resource_name = 2;
  string owner = 3;
  string description = 4;
}

message Help {
  message Link {
    string description = 1;
    string url = 2;
  }
  repeated Link links = 1;
}

message LocalizedMessage {
  string locale = 1;
  string message = 2;
}
`;

let root: Root | undefined;

// Lazily: most processes never build or read a rich status, so importing GrpcError stays cheap.
function googleRpcRoot(): Root {
  if (root !== undefined) return root;
  const built = new Root();
  // Any and Duration come from protobufjs's bundled well-known types, as every protobufjs-based peer has them.
  for (const file of ['google/protobuf/any.proto', 'google/protobuf/duration.proto']) {
    const json = common.get(file);
    if (json === null) throw new Error(`protobufjs does not bundle ${file}`);
    Root.fromJSON(json, built);
  }
  // keepCase false: the JS shape is lowerCamelCase (stackEntries), as protobufjs-generated code has it.
  parse(STATUS_PROTO, built, { keepCase: false });
  parse(ERROR_DETAILS_PROTO, built, { keepCase: false });
  built.resolveAll();
  root = built;
  return built;
}

/** The resolved type `google.rpc.<name>` or `google.protobuf.<name>`, by full name. */
export function googleRpcType(fullName: string): Type {
  return googleRpcRoot().lookupType(fullName);
}
