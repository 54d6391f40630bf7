// The four call shapes of the reference's example service, for every server x client pair, in plaintext.
import { basicScenarios } from './basic-scenarios.js';
import { describeMatrix } from './matrix.js';

describeMatrix(basicScenarios);
