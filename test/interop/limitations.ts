// Cases a grpc-js peer cannot pass, with why: each runs anyway and must fail exactly this way, so a
// limitation that goes away (or a failure for another reason) shows up as a test failure, never a skip.

export interface Limitation {
  /** Why grpc-js cannot pass the case. */
  readonly why: string;
  /** The failure the case must end with. */
  readonly failsWith: RegExp;
}

// grpc-js decompresses before its handlers run and gives them no flag, so the CompressedRequest probe
// (expect_compressed=true on an uncompressed message) is not rejected.
const CANNOT_SEE_REQUEST_FLAG = "grpc-js handlers cannot see a request message's compressed flag";
// server-interceptors.ts: 'response compression is currently not supported'; the flag is always 0.
const NEVER_COMPRESSES = "grpc-js's server never compresses responses";

/** Against the grpc-js interop server, whatever the client. */
export const GRPC_JS_SERVER_LIMITATIONS: Readonly<Record<string, Limitation>> = {
  client_compressed_unary: { why: CANNOT_SEE_REQUEST_FLAG, failsWith: /client_compressed_unary probe: expected INVALID_ARGUMENT, got OK/ },
  client_compressed_streaming: { why: CANNOT_SEE_REQUEST_FLAG, failsWith: /client_compressed_streaming probe: expected INVALID_ARGUMENT, got OK/ },
  server_compressed_unary: { why: NEVER_COMPRESSES, failsWith: /server_compressed_unary \(response_compressed=true\): expected response compressed flags \[true\], got \[false\]/ },
  server_compressed_streaming: { why: NEVER_COMPRESSES, failsWith: /server_compressed_streaming: expected response compressed flags \[true,false\], got \[false,false\]/ },
};

/** With the grpc-js interop client against our server: it runs every case (per-message NoCompress through write flags). */
export const GRPC_JS_CLIENT_LIMITATIONS: Readonly<Record<string, Limitation>> = {};
