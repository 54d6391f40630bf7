// The answers of ServerReflectionInfo (grpc/reflection/v1/reflection.proto), computed from the protobufjs Roots
// of the served services: a file with everything it imports, transitively, so a client can build every type.
import type { Root } from 'protobufjs';
import { Status } from '../../protocol/status.js';
import { describeProtoFiles } from './proto-files.js';
import type { ProtoFile } from './proto-files.js';

/** A reflection answer: encoded FileDescriptorProtos, or the error code and message the spec's ErrorResponse carries. */
export type FilesAnswer = { readonly files: Uint8Array[] } | { readonly code: Status; readonly message: string };

/** Every file, symbol and extension of a set of Roots; the first Root to define a file name wins. */
export class ReflectionIndex {
  readonly #files = new Map<string, ProtoFile>();
  readonly #symbols = new Map<string, string>();
  readonly #extensions = new Map<string, Map<number, string>>();

  constructor(roots: Iterable<Root>) {
    for (const root of roots) {
      const set = describeProtoFiles(root);
      for (const [name, file] of set.files) if (!this.#files.has(name)) this.#files.set(name, file);
      for (const [symbol, name] of set.symbols) if (!this.#symbols.has(symbol)) this.#symbols.set(symbol, name);
      for (const [extendee, byNumber] of set.extensions) {
        const merged = this.#extensions.get(extendee) ?? new Map<number, string>();
        for (const [number, name] of byNumber) if (!merged.has(number)) merged.set(number, name);
        this.#extensions.set(extendee, merged);
      }
    }
  }

  fileByFilename(name: string): FilesAnswer {
    if (!this.#files.has(name)) return { code: Status.NOT_FOUND, message: `File not found: ${name}` };
    return { files: this.#withImports(name) };
  }

  fileContainingSymbol(symbol: string): FilesAnswer {
    const name = this.#symbols.get(symbol.startsWith('.') ? symbol.slice(1) : symbol);
    if (name === undefined) return { code: Status.NOT_FOUND, message: `Symbol not found: ${symbol}` };
    return { files: this.#withImports(name) };
  }

  fileContainingExtension(extendee: string, number: number): FilesAnswer {
    const name = this.#extensions.get(extendee)?.get(number);
    if (name === undefined) return { code: Status.NOT_FOUND, message: `Extension ${number} of ${extendee} not found` };
    return { files: this.#withImports(name) };
  }

  /** The extension numbers of `extendee`; a message with none answers an empty list, an unknown name NOT_FOUND. */
  extensionNumbersOf(extendee: string): { readonly numbers: number[] } | { readonly code: Status; readonly message: string } {
    const byNumber = this.#extensions.get(extendee);
    if (byNumber !== undefined) return { numbers: [...byNumber.keys()].sort((a, b) => a - b) };
    if (this.#symbols.has(extendee)) return { numbers: [] };
    return { code: Status.NOT_FOUND, message: `Type not found: ${extendee}` };
  }

  // The file first, then its imports depth-first, each once: what grpc-go sends.
  #withImports(name: string): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const add = (fileName: string): void => {
      const file = this.#files.get(fileName);
      if (file === undefined || seen.has(fileName)) return;
      seen.add(fileName);
      out.push(file.encoded);
      for (const dependency of file.dependencies) add(dependency);
    };
    add(name);
    return out;
  }
}
