// A resolved address: where one subchannel connects. TCP by host and port, or a Unix domain socket.

/** One address a resolver found. */
export type Address =
  | { readonly host: string; readonly port: number }
  | { readonly path: string };

/** The address as a key and as grpc-js prints it: `host:port`, `[v6]:port`, or `unix:path`. */
export function addressKey(address: Address): string {
  if ('path' in address) return `unix:${address.path}`;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
