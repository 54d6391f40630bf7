// The encodings the server says it can read (its grpc-accept-encoding, PROTOCOL-HTTP2 "Message-Encoding"), as the
// calls of one client learn them: grpc-js keeps this per channel and stops compressing with encodings left out.

import { parseEncodingList } from '../protocol/compression.js';
import type { Codec } from '../protocol/compression.js';

/** Shared by every call of one client: each response notes what it says; each new call reads the latest. */
export class ServerEncodings {
  private header: string | string[] | undefined;
  private names: readonly string[] | undefined;

  /** Notes a response's grpc-accept-encoding; a server sends the same one every time, so it is parsed once. */
  note(header: string | string[]): void {
    if (header === this.header) return;
    this.header = header;
    this.names = parseEncodingList(header);
  }

  /** The codec a call's requests go out with: none (identity) when the server said it cannot read `codec`. */
  sendCodec(codec: Codec | undefined): Codec | undefined {
    const names = this.names;
    return codec !== undefined && names !== undefined && !names.includes(codec.name) ? undefined : codec;
  }
}
