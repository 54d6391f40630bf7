// Detects an app whose @nestjs/microservices is another copy than the one this library loaded (a `file:` or
// `npm link` install gives the library its own node_modules). Nest then fails `strategy instanceof ServerGrpc`
// and hands @GrpcMethod / @GrpcStreamCall handlers the wrong arguments, silently; we refuse to start instead.
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// A V8 stack frame of Nest's ListenersController: 'at … (file:///…/@nestjs/microservices/listeners-controller.js:34:40)'.
const LISTENERS_CONTROLLER = /\(?((?:file:\/\/)?[^\s()]*[\\/]@nestjs[\\/]microservices[\\/])listeners-controller\.js:\d+:\d+\)?$/m;

function ownCopy(): string | undefined {
  try {
    return dirname(fileURLToPath(import.meta.resolve('@nestjs/microservices'))) + sep;
  } catch {
    return undefined;
  }
}

const OWN_COPY = ownCopy();

/**
 * The folder of the @nestjs/microservices that is calling us now (its ListenersController, read from the stack),
 * when it is not the copy this library imports; undefined when it is the same or cannot be told.
 */
export function foreignNestCopy(): string | undefined {
  const match = LISTENERS_CONTROLLER.exec(new Error().stack ?? '');
  if (match === null || OWN_COPY === undefined) return undefined;
  const path = match[1]!;
  const folder = path.startsWith('file://') ? fileURLToPath(path) : path;
  return folder === OWN_COPY ? undefined : folder;
}

/** The startup error for an app running a second copy of @nestjs/microservices. */
export function twoCopiesError(foreign: string): Error {
  return new Error(
    `GrpcTransportStrategy: the app uses @nestjs/microservices from ${foreign}, but nestjs-grpc-transport loaded its own copy `
    + `from ${OWN_COPY ?? 'elsewhere'}. With two copies Nest does not see the strategy as a gRPC server and would give `
    + '@GrpcMethod and @GrpcStreamCall handlers the wrong arguments. This happens when the library is installed as a linked '
    + 'folder ("file:" dependency, npm link), whose own node_modules holds @nestjs/*. Install it so that it resolves '
    + 'the app\'s copy: from the registry or a tarball (npm pack, then npm install ./the.tgz).');
}
