// The .proto file name of each definition, as a reflection client will ask for it and as imports name it:
// 'google/protobuf/timestamp.proto' for the well-known types protobufjs bundles, and paths relative to the
// include dir a file was found in, as protoc names it; else relative to the directory the loaded files share.
import { common, Service, Type } from 'protobufjs';
import type { ReflectionObject, Root } from 'protobufjs';
import { importNameOf } from '../../schema/proto-sources.js';

/** Names the file of every definition of one Root. */
export class FileNamer {
  readonly #bundled = bundledFileOfEachName();
  readonly #root: Root;
  readonly #prefix: string;

  constructor(root: Root) {
    this.#root = root;
    this.#prefix = sharedDirectory(root.files.filter((file) => !Object.hasOwn(common, file) && importNameOf(root, file) === undefined));
  }

  /** The file defining `object`: that of its outermost enclosing message, enum, service or extension. */
  fileOf(object: ReflectionObject): string {
    const top = outermostDefinition(object);
    const filename = top.filename;
    if (filename !== null && filename !== undefined) {
      if (Object.hasOwn(common, filename)) return filename;
      return importNameOf(this.#root, filename) ?? filename.slice(this.#prefix.length).replace(/\\/g, '/');
    }
    // Definitions added from JSON (the bundled well-known types, proto-loader JSON) carry no file name.
    const packageName = top.parent?.fullName.slice(1) ?? '';
    return this.#bundled.get(top.fullName.slice(1)) ?? `${packageName.replace(/\./g, '_') || 'root'}.proto`;
  }
}

function outermostDefinition(object: ReflectionObject): ReflectionObject {
  let top = object;
  // Messages hold nested types, enums and extensions; services hold methods; packages hold files' top levels.
  while (top.parent instanceof Type || top.parent instanceof Service) top = top.parent;
  return top;
}

// Where protobuf itself defines each well-known type. protobufjs's bundled JSON for one file may carry another
// file's types too (its type.proto and api.proto bring Any and SourceContext along), so it cannot tell.
const WELL_KNOWN_FILES: Readonly<Record<string, readonly string[]>> = {
  any: ['Any'],
  api: ['Api', 'Method', 'Mixin'],
  duration: ['Duration'],
  empty: ['Empty'],
  field_mask: ['FieldMask'],
  source_context: ['SourceContext'],
  struct: ['Struct', 'Value', 'ListValue', 'NullValue'],
  timestamp: ['Timestamp'],
  type: ['Type', 'Field', 'Enum', 'EnumValue', 'Option', 'Syntax'],
  wrappers: ['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'],
};

// The rest of what protobufjs bundles (descriptor.proto's messages): by the bundled file that holds it first.
// common('google/protobuf/x.proto') holds { nested: { google: { nested: { protobuf: { nested: { Name: ... } } } } } }.
function bundledFileOfEachName(): Map<string, string> {
  const names = new Map<string, string>();
  for (const [file, types] of Object.entries(WELL_KNOWN_FILES)) {
    for (const type of types) names.set(`google.protobuf.${type}`, `google/protobuf/${file}.proto`);
  }
  for (const file of Object.keys(common)) {
    if (!file.endsWith('.proto')) continue;
    const google = nestedOf(nestedOf(common.get(file))?.['google']);
    for (const name of Object.keys(nestedOf(google?.['protobuf']) ?? {})) {
      if (!names.has(`google.protobuf.${name}`)) names.set(`google.protobuf.${name}`, file);
    }
  }
  return names;
}

function nestedOf(node: unknown): Record<string, unknown> | undefined {
  if (typeof node !== 'object' || node === null || !('nested' in node)) return undefined;
  const nested = node.nested;
  return typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : undefined;
}

// The longest directory prefix (ending in a separator) every path shares; '' when they share none.
function sharedDirectory(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  let prefix = paths[0]!.slice(0, Math.max(paths[0]!.lastIndexOf('/'), paths[0]!.lastIndexOf('\\')) + 1);
  for (const path of paths) {
    while (prefix !== '' && !path.startsWith(prefix)) {
      prefix = prefix.slice(0, Math.max(prefix.lastIndexOf('/', prefix.length - 2), prefix.lastIndexOf('\\', prefix.length - 2)) + 1);
    }
  }
  return prefix;
}
