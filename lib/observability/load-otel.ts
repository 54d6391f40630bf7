// Loads @opentelemetry/api only when telemetry is switched on: nothing else in lib/ imports it, so without the
// option (or without the package) it is never loaded. A synchronous require, as servers and clients are built
// synchronously; the API keeps its globals on globalThis, so this copy shares the application's providers.
import { createRequire } from 'node:module';
import type * as OtelApiModule from '@opentelemetry/api';

/** The @opentelemetry/api module. */
export type OtelApi = typeof OtelApiModule;

let loaded: OtelApi | undefined;

/** The API module; throws a clear error when the optional peer dependency is not installed. */
export function loadOtelApi(): OtelApi {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch (err) {
    throw new Error('The telemetry option needs the @opentelemetry/api package: npm install @opentelemetry/api', { cause: err });
  }
  return loaded;
}
