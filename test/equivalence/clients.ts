// The client kinds of the equivalence matrix: one factory signature, (address, options?) -> ExampleClient.
// A new kind (the Nest ClientProxy) joins as one more entry.
import type { ClientEntry } from './example-client.js';
import { createGrpcJsClient } from './grpc-js-client.js';
import { createNestClient } from './nest-client.js';
import { createOurClient } from './our-client.js';

export const clients: readonly ClientEntry[] = [
  { name: 'grpc-js', create: createGrpcJsClient },
  { name: 'ours', create: createOurClient },
  { name: 'nest', create: createNestClient },
];
