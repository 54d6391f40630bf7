// Metadata as an OpenTelemetry propagation carrier: the configured propagator (W3C traceparent/tracestate by
// default, B3 or another when the application set one) reads and writes request metadata through these.
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { Metadata } from '../protocol/metadata.js';

export const METADATA_GETTER: TextMapGetter<Metadata> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => {
    const values = carrier.get(key).filter((value): value is string => typeof value === 'string');
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

export const METADATA_SETTER: TextMapSetter<Metadata> = {
  // set, not add: a propagated traceparent from the served call must give way to this call's own.
  set: (carrier, key, value) => carrier.set(key, value),
};
