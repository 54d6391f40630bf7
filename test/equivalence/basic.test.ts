// The four call shapes of the reference's example service, for every server x client pair, in plaintext; then
// again with Nest's default loader (none set) for the kinds that take one: grpc-js peers and the Nest server/proxy.
import { basicScenarios } from './basic-scenarios.js';
import { NEST_DEFAULT_LOADER } from './loader-variants.js';
import { describeMatrix } from './matrix.js';

describeMatrix(basicScenarios);
describeMatrix(basicScenarios, undefined, NEST_DEFAULT_LOADER);
