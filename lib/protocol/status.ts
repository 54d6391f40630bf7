// gRPC status codes: numbers, names and the HTTP-status fallback.
// Follows doc/statuscodes.md and doc/http-grpc-status-mapping.md of the gRPC repository.

/** The 17 canonical gRPC status codes. */
export enum Status {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** True for an integer 0..16, i.e. a code this library can put on the wire as is. */
export function isStatus(code: unknown): code is Status {
  return typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 16;
}

/** The enum name of a code ('NOT_FOUND'); anything outside 0..16 reads as 'UNKNOWN'. */
export function statusName(code: number): string {
  return isStatus(code) ? Status[code] : 'UNKNOWN';
}

/**
 * The status a client reports when a response carries no grpc-status, from its HTTP status.
 * Only the table's entries are mapped; every other HTTP status (200 included) is UNKNOWN.
 */
export function statusFromHttp(httpStatus: number): Status {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}
