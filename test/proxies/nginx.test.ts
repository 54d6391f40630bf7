// Three of our servers behind Debian's nginx (grpc_pass to a round-robin upstream): see behind-proxy.ts.
import { describeBehindProxy } from './behind-proxy.js';

describeBehindProxy('nginx');
