// End-to-end tests: one real dockerd per run, supervised by the service under
// test, started once in globalSetup. Run in band: one daemon, one bridge.
module.exports = {
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testRegex: '\\.e2e-spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: {
    '^@dind/policy(|/.*)$': '<rootDir>/libs/policy/src$1',
    '^@dind/daemon(|/.*)$': '<rootDir>/libs/daemon/src$1',
  },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testSequencer: '<rootDir>/test/support/supervisor-last.sequencer.js',
  testTimeout: 120000,
};
