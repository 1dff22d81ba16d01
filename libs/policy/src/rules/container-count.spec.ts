import { parsePolicyOptions } from '../options/policy-options';
import { checkContainerCount, ContainerCountCheck } from './container-count';

const { resources } = parsePolicyOptions({ resources: { containers: { max: 4, running: 2 } } }, 'test');
const listed = (...states: string[]) => states.map((State, i) => ({ Id: `${i}abc${'0'.repeat(58)}`, Names: [`/c${i}`], State }));
const verdict = (check: ContainerCountCheck, containers: unknown) => {
  const denial = checkContainerCount(check, containers, resources);
  return denial ? `${denial.field}=${denial.value}: ${denial.reason}` : 'allowed';
};

describe('container count ceilings (containers: max 4, running 2)', () => {
  const create: ContainerCountCheck = { adds: 'container' };
  const start = (ref: string): ContainerCountCheck => ({ adds: 'running', ref });

  it.each([
    ['a create under the ceiling', create, listed('exited', 'exited', 'running'), 'allowed'],
    ['a create at the ceiling, stopped containers counted too', create, listed('exited', 'exited', 'created', 'dead'), /^containers=4: the daemon already holds 4 containers, the most this service allows \(resources\.containers\.max\)/],
    ['a start under the running ceiling', start('c0'), listed('exited', 'running'), 'allowed'],
    ['a start at the running ceiling', start('c0'), listed('exited', 'running', 'running'), /^containers\.running=2: 2 containers are running/],
    ['paused and restarting containers count as running', start('c0'), listed('exited', 'paused', 'restarting'), /^containers\.running=2/],
    ['a restart of a running container at the ceiling (it adds none)', start('c1'), listed('exited', 'running', 'running'), 'allowed'],
    ['the same, named by ID prefix', start('1abc'), listed('exited', 'running', 'running'), 'allowed'],
    ['a name is looked up before an ID prefix, as the daemon does', start('0abc'), [...listed('exited', 'running', 'running'), { Id: 'f'.repeat(64), Names: ['/0abc'], State: 'exited' }], /^containers\.running=2/],
    ['a daemon answer that is not a list (fail closed)', create, { message: 'oops' }, /^containers=undefined: cannot count/],
  ])('%s', (_name, check, containers, expected) => {
    if (typeof expected === 'string') expect(verdict(check, containers)).toBe(expected);
    else expect(verdict(check, containers)).toMatch(expected);
  });
});
