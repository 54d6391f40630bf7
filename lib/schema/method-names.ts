// The lowerCamelCase method aliases grpc-js and @grpc/proto-loader give proto methods, which Nest's
// ClientGrpc offers and ts-proto's generated Nest controllers name their handlers by.

// lodash.camelcase's word split (what @grpc/proto-loader names `originalName`), for the characters of
// proto identifiers: a capitalised or lowercase run, an acronym ending where a capitalised word starts, digits.
const WORD = /[A-Z]?[a-z]+(?=[^A-Za-z0-9]|[A-Z]|$)|[A-Z]+(?=[^A-Za-z0-9]|[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+|\d+/g;

/** The lowerCamelCase alias grpc-js clients (and so Nest's) give a method: 'GetHTTPItem' -> 'getHttpItem'. */
export function lowerCamelCase(name: string): string {
  const words = name.match(WORD) ?? [];
  let result = '';
  for (const [index, word] of words.entries()) {
    const lower = word.toLowerCase();
    result += index === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
  }
  return result;
}
