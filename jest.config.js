// Unit tests: daemon-free, next to the code they test, plus the captured-request
// fixtures under test/fixtures.
module.exports = {
  rootDir: '.',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test', '<rootDir>/deploy'],
  testRegex: '\\.spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: {
    '^@dind/policy(|/.*)$': '<rootDir>/libs/policy/src$1',
    '^@dind/daemon(|/.*)$': '<rootDir>/libs/daemon/src$1',
  },
  testEnvironment: 'node',
};
