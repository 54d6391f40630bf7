// Builds the Schema of a .proto kept as text inside the package (dist ships no .proto files), with each
// definition's file name set as Root.load sets it for files on disk, so reflection serves these services too.
import { Namespace, parse, Root } from 'protobufjs';
import type { ReflectionObject } from 'protobufjs';
import { describeRoot } from '../schema/descriptors.js';
import type { Schema } from '../schema/descriptors.js';
import { recordImportName } from '../schema/proto-sources.js';

/** Parses `text` as the file `filename` (an import path such as 'grpc/health/v1/health.proto'). */
export function describeEmbeddedProto(filename: string, text: string): Schema {
  const root = new Root();
  parse(text, root, { keepCase: true });
  stampFilename(root, filename);
  root.files.push(filename);
  recordImportName(root, filename, filename);
  root.resolveAll();
  // The JS shape our own handlers read and write: field names as written, enums by name, oneof names present.
  return describeRoot(root, { enums: String, longs: Number, bytes: Buffer, defaults: true, oneofs: true });
}

function stampFilename(object: ReflectionObject, filename: string): void {
  if (!(object instanceof Root)) object.filename = filename;
  if (object instanceof Namespace || object instanceof Root) {
    for (const nested of object.nestedArray) stampFilename(nested, filename);
  }
}
