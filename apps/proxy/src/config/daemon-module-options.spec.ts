import { daemonModuleOptions } from './daemon-module-options';
import { loadAppConfig } from './load-app-config';

describe('the supervisor\'s options', () => {
  it('require an isolated default bridge when ownership is on, and only then', () => {
    const config = loadAppConfig({}, []);
    expect(daemonModuleOptions(config, { ownership: true }).requirements).toEqual({ isolateDefaultBridge: true });
    expect(daemonModuleOptions(config, { ownership: false }).requirements).toEqual({ isolateDefaultBridge: false });
  });
});
