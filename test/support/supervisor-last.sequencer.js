// The supervisor spec kills the daemon and finally stops the service: it runs
// after every other end-to-end spec.
const Sequencer = require('@jest/test-sequencer').default;

class SupervisorLastSequencer extends Sequencer {
  sort(tests) {
    const last = (test) => (test.path.includes('supervisor.e2e-spec') ? 1 : 0);
    return [...tests].sort((a, b) => last(a) - last(b) || a.path.localeCompare(b.path));
  }
}

module.exports = SupervisorLastSequencer;
