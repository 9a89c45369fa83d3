import { fuzzSuite } from './fuzz-suite';

// one of three shards of the write-route fuzzing, so jest's workers share it
fuzzSuite(2, 3);
