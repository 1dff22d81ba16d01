// End-to-end tests: one real dockerd per run, supervised by the service under
// test, started once in globalSetup. Run in band: one daemon, one bridge.
const unit = require('../jest.config.js');

module.exports = {
  ...unit,
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testRegex: '\\.e2e-spec\\.ts$',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testSequencer: '<rootDir>/test/support/supervisor-last.sequencer.js',
  testTimeout: 120000,
  // A handle a failed spec left open (a client socket, a timer) must turn the
  // run red at once, not hold CI until its deadline; jest still names it.
  forceExit: true,
};
