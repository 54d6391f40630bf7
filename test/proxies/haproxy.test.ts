// Three of our servers behind Debian's HAProxy (HTTP/2 to the backends, round-robin): see behind-proxy.ts.
import { describeBehindProxy } from './behind-proxy.js';

describeBehindProxy('haproxy');
