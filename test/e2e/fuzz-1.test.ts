import { defineFuzzSuite } from '../support/fuzz-suite';

// Half of the mutations (see test/support/fuzz-suite.ts), so both jest workers share the fuzzing.
defineFuzzSuite(0, 2);
