import { bodyValidator } from './body-validator';

const refuseAll = () => 'refused';

describe('bodyValidator: rule rows are checked against the DTOs', () => {
  it('builds a validator whose rules read fields the DTO has, nested ones included', () => {
    expect(() =>
      bodyValidator({ kind: 'containerCreate', ruleSets: [{ at: 'HostConfig', rules: [{ rule: 'r', field: 'RestartPolicy.Name', check: refuseAll }] }] }),
    ).not.toThrow();
  });

  it.each([
    ['a misspelt field', 'HostConfig', 'Priviledged', 'HostConfig.Priviledged'],
    ['a wrongly-cased field', 'HostConfig', 'privileged', 'HostConfig.privileged'],
    ['a misspelt nested field', 'HostConfig', 'RestartPolicy.Nmae', 'HostConfig.RestartPolicy.Nmae'],
    ['a field under a scalar', 'HostConfig', 'Privileged.X', 'HostConfig.Privileged.X'],
    ['a misspelt rule set', 'HostConfg', 'Privileged', 'HostConfg'],
  ])('refuses to build with %s, naming it', (_name, at, field, missing) => {
    expect(() => bodyValidator({ kind: 'containerCreate', ruleSets: [{ at, rules: [{ rule: 'typo', field, check: refuseAll }] }] })).toThrow(
      new RegExp(`rule typo reads .*the containerCreate body does not have \\(${missing.replace(/\./g, '\\.')}\\)`),
    );
  });
});
