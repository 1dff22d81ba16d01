import { parsePolicyOptions } from './policy-options';
import { RESTRICTED_RESOURCES } from './resource-options';

const resources = (raw: unknown) => parsePolicyOptions({ resources: raw }, 'policy.yaml').resources;

describe('policy options: resources', () => {
  it('are on in restricted: pids 1024 (at most 4096), logs 10m × 3, 200 containers of which 100 running; memory, CPUs and disk off', () => {
    expect(parsePolicyOptions({}, 'test').resources).toEqual({
      pids: { default: 1024, max: 4096 },
      memory: {},
      cpus: {},
      logs: { maxSize: '10m', maxSizeBytes: 10_000_000, maxFile: 3 },
      containers: { max: 200, running: 100 },
      disk: {},
    });
    expect(resources({})).toEqual(RESTRICTED_RESOURCES);
  });

  it.each([
    ['a partial section keeps the other defaults', { pids: { max: 8192 } }, { pids: { default: 1024, max: 8192 } }],
    ['memory sizes as docker run --memory reads them (binary)', { memory: { default: '512m', max: '2g' } }, { memory: { default: 512 * 1024 ** 2, max: 2 * 1024 ** 3 } }],
    ['memory in bytes', { memory: { max: 1073741824 } }, { memory: { default: 1073741824, max: 1073741824 } }],
    ['a ceiling without a default is also the default', { cpus: { max: 2 } }, { cpus: { default: 2e9, max: 2e9 } }],
    ['a default without a ceiling', { cpus: { default: 0.5 } }, { cpus: { default: 5e8 } }],
    ['CPUs as a string', { cpus: { default: '1.5', max: '2' } }, { cpus: { default: 1.5e9, max: 2e9 } }],
    ['log sizes as the max-size option reads them (decimal)', { logs: { maxSize: '1m', maxFile: 2 } }, { logs: { maxSize: '1m', maxSizeBytes: 1_000_000, maxFile: 2 } }],
    ['a log size in bytes', { logs: { maxSize: 500000 } }, { logs: { maxSize: '500000', maxSizeBytes: 500_000, maxFile: 3 } }],
    ['container ceilings', { containers: { max: 20, running: 5 } }, { containers: { max: 20, running: 5 } }],
    ['a disk ceiling', { disk: { max: '20g' } }, { disk: { default: 20 * 1024 ** 3, max: 20 * 1024 ** 3 } }],
  ])('reads %s', (_name, raw, expected) => {
    expect(resources(raw)).toMatchObject(expected);
  });

  it.each([
    ['an unknown section', { pid: { max: 1 } }, /resources\.pid: unknown option \(known: pids, memory, cpus, logs, containers, disk\)/],
    ['an unknown key in a section', { pids: { limit: 10 } }, /resources\.pids\.limit: unknown option/],
    ['a section that is not a mapping', { logs: '10m' }, /resources\.logs: must be a mapping/],
    ['resources that are not a mapping', [1], /resources: must be a mapping/],
    ['pids 0 (unlimited to the daemon)', { pids: { default: 0 } }, /resources\.pids\.default: must be a whole number from 1/],
    ['pids -1', { pids: { max: -1 } }, /resources\.pids\.max: must be a whole number from 1/],
    ['a pids default above the ceiling', { pids: { default: 5000 } }, /resources\.pids\.default: must not exceed pids\.max \(4096\)/],
    ['a fractional pids limit', { pids: { max: 10.5 } }, /resources\.pids\.max/],
    ['memory below the daemon\'s 6 MB floor', { memory: { max: '1m' } }, /resources\.memory\.max: must be a size of at least 6m/],
    ['memory that is not a size', { memory: { default: 'lots' } }, /resources\.memory\.default: must be a size/],
    ['a memory default above the ceiling', { memory: { default: '4g', max: '2g' } }, /resources\.memory\.default: must not exceed memory\.max/],
    ['CPUs below 0.01', { cpus: { max: 0.001 } }, /resources\.cpus\.max: must be a number of CPUs of at least 0\.01/],
    ['negative CPUs', { cpus: { default: -1 } }, /resources\.cpus\.default/],
    ['a log size of 0', { logs: { maxSize: '0' } }, /resources\.logs\.maxSize: must be a size such as 10m/],
    ['an unbounded log size', { logs: { maxSize: '-1' } }, /resources\.logs\.maxSize/],
    ['no log files', { logs: { maxFile: 0 } }, /resources\.logs\.maxFile: must be a whole number from 1/],
    ['more running containers than containers', { containers: { max: 10, running: 20 } }, /resources\.containers\.running: must not exceed containers\.max \(10\)/],
    ['a disk size that is not a size', { disk: { max: '10 gigs' } }, /resources\.disk\.max: must be a size such as 10g/],
  ])('refuses %s with a precise message', (_name, raw, message) => {
    expect(() => resources(raw)).toThrow(message);
  });
});
