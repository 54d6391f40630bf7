// Loads .proto files into a protobufjs Root the way @grpc/proto-loader does (include dirs, bundled google types).
// loadProtos(files, options) -> Schema.

import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { Root, common } from 'protobufjs';
import { describeRoot } from './descriptors.js';
import type { Schema } from './descriptors.js';
import { recordImportName } from './proto-sources.js';
import type { ShapeOptions } from './message-codec.js';

/** @grpc/proto-loader's options, same names and meanings; the defaults are grpc.io's Node example settings. */
export interface LoadOptions extends ShapeOptions {
  /** Directories searched, in order, for the given files and their imports. */
  includeDirs?: string[];
  /** Keep field names as written (default true); false converts them to lowerCamelCase. */
  keepCase?: boolean;
}

/** Loads one or several .proto files (and their imports) and describes every service in them. */
export function loadProtos(files: string | string[], options: LoadOptions = {}): Schema {
  return describeRoot(loadRoot(files, options), options);
}

/** The resolved protobufjs Root behind loadProtos, for callers that need reflection. */
export function loadRoot(files: string | string[], options: LoadOptions = {}): Root {
  const { includeDirs } = options;
  if (includeDirs !== undefined && !Array.isArray(includeDirs)) {
    throw new TypeError('The includeDirs option must be an array');
  }
  registerDescriptorProtos();
  const root = new Root();
  if (includeDirs !== undefined && includeDirs.length > 0) useIncludeDirs(root, includeDirs);
  try {
    root.loadSync(files, { keepCase: options.keepCase ?? true });
    root.resolveAll();
  } catch (err) {
    if (isMissingFile(err)) {
      const searched = includeDirs?.length ? ` (include dirs: ${includeDirs.join(', ')})` : '';
      throw new Error(`Cannot read proto file ${err.path}${searched}`, { cause: err });
    }
    throw err;
  }
  return root;
}

// As proto-loader: an import is looked up in each include dir in order, else relative to the importing file.
// Bundled google/protobuf/*.proto never reach here: protobufjs serves them from `common` first.
function useIncludeDirs(root: Root, includeDirs: readonly string[]): void {
  const fallback = root.resolvePath.bind(root);
  root.resolvePath = (origin: string, target: string): string | null => {
    if (isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      try {
        accessSync(candidate, constants.R_OK);
        // The name protoc would give the file (relative to its include dir), for reflection.
        recordImportName(root, candidate, target);
        return candidate;
      } catch {
        // not in this include dir; try the next one
      }
    }
    return fallback(origin, target);
  };
}

// protobufjs bundles any, duration, empty, field_mask, struct, timestamp and wrappers; proto-loader also registers
// descriptor.proto (imported by custom options such as google.api.http) and its siblings. We do the same, once.
let descriptorsRegistered = false;
function registerDescriptorProtos(): void {
  if (descriptorsRegistered) return;
  descriptorsRegistered = true;
  const require = createRequire(import.meta.url);
  for (const name of ['api', 'descriptor', 'source_context', 'type']) {
    if (Object.hasOwn(common, `google/protobuf/${name}.proto`)) continue;
    const json: unknown = require(`protobufjs/google/protobuf/${name}.json`);
    common(name, googleProtobufNested(json, name));
  }
}

// The shipped JSON wraps definitions as { nested: { google: { nested: { protobuf: { nested: X } } } } }; common() wants X.
function googleProtobufNested(json: unknown, name: string): Record<string, unknown> {
  let node: unknown = json;
  for (const key of ['google', 'protobuf']) {
    node = nestedOf(node)?.[key];
  }
  const nested = nestedOf(node);
  if (nested === undefined) throw new Error(`protobufjs/google/protobuf/${name}.json has an unexpected layout`);
  return nested;
}

function nestedOf(node: unknown): Record<string, unknown> | undefined {
  if (typeof node !== 'object' || node === null || !('nested' in node)) return undefined;
  const nested = node.nested;
  return typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : undefined;
}

function isMissingFile(err: unknown): err is NodeJS.ErrnoException & { path: string } {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT' && 'path' in err && typeof err.path === 'string';
}
