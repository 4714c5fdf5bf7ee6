// Imported first by the suites that repeat another suite's assertions with the compiled read path off, so that every
// server they start answers through the resolvers alone (see startTestServer).
process.env.TEST_COMPILED_READS = 'false';
