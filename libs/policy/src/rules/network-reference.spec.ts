import { RESTRICTED } from '../options/policy-options';
import { RuleContext } from './field-rule';
import { checkReferencedNetwork, networkReferencesOfConnect, networkReferencesOfCreate } from './network-reference';

const context: RuleContext = { apiMinor: 41, options: RESTRICTED, resolveHostPath: (path) => path, hostNetworkIds: () => [] };
const HOST_ID = 'f00d'.repeat(16);
const APP_ID = 'a11c'.repeat(16);

describe('a network reference is judged by the network the daemon resolves it to', () => {
  describe('which networks a create attaches to', () => {
    it.each([
      ['a user-defined NetworkMode', { HostConfig: { NetworkMode: 'app' } }, [{ field: 'HostConfig.NetworkMode', value: 'app', ref: 'app' }]],
      ['not the predefined modes', { HostConfig: { NetworkMode: 'bridge' } }, []],
      ['not container:<id> (a borrowed container)', { HostConfig: { NetworkMode: 'container:web' } }, []],
      [
        'an endpoint key and its NetworkID, which the daemon attaches by',
        { NetworkingConfig: { EndpointsConfig: { app: { NetworkID: HOST_ID } } } },
        [
          { field: 'NetworkingConfig.EndpointsConfig.app', value: 'app', ref: 'app' },
          { field: 'NetworkingConfig.EndpointsConfig.app.NetworkID', value: HOST_ID, ref: HOST_ID },
        ],
      ],
      ['a NetworkID under a predefined key', { NetworkingConfig: { EndpointsConfig: { bridge: { NetworkID: 'x' } } } }, [{ field: 'NetworkingConfig.EndpointsConfig.bridge.NetworkID', value: 'x', ref: 'x' }]],
      ['not an empty NetworkID', { NetworkingConfig: { EndpointsConfig: { bridge: { NetworkID: '' } } } }, []],
    ])('%s', (_rule, body, expected) => {
      expect(networkReferencesOfCreate(body)).toEqual(expected);
    });

    it('a connect names the path network and the body NetworkID', () => {
      expect(networkReferencesOfConnect('f0', { Container: 'c', EndpointConfig: { NetworkID: HOST_ID } })).toEqual([
        { field: 'path.id', value: 'f0', ref: 'f0' },
        { field: 'EndpointConfig.NetworkID', value: HOST_ID, ref: HOST_ID },
      ]);
    });
  });

  describe('what the resolved network may be', () => {
    const ref = (value: string) => ({ field: 'path.id', value, ref: value });
    it.each([
      ['a user bridge by name', 'app', { Id: APP_ID, Name: 'app', Driver: 'bridge', Options: {} }],
      ['a user bridge by ID prefix', 'a11c', { Id: APP_ID, Name: 'app', Driver: 'bridge', Options: { 'com.docker.network.driver.mtu': '1400' } }],
      ['the daemon\'s default bridge', 'bridge', { Id: APP_ID, Name: 'bridge', Driver: 'bridge', Options: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.name': 'docker0' } }],
      ['none', 'none', { Id: APP_ID, Name: 'none', Driver: 'null' }],
    ])('allows %s', (_what, value, inspected) => {
      expect(checkReferencedNetwork(ref(value), inspected, context)).toBeUndefined();
    });

    it.each([
      ['the host network by ID prefix', 'f00d', { Id: HOST_ID, Name: 'host', Driver: 'host' }, 'the host network'],
      ['the host network by full ID', HOST_ID, { Id: HOST_ID, Name: 'host', Driver: 'host' }, 'the host network'],
      ['a macvlan network made outside the proxy', 'lan', { Id: APP_ID, Name: 'lan', Driver: 'macvlan' }, 'only bridge networks'],
      ['a bridge on an existing host bridge', 'app', { Id: APP_ID, Name: 'app', Driver: 'bridge', Options: { 'com.docker.network.bridge.name': 'br0' } }, 'com.docker.network.bridge.name'],
      ['a network calling itself the default bridge', 'app', { Id: APP_ID, Name: 'app', Driver: 'bridge', Options: { 'com.docker.network.bridge.default_bridge': 'true' } }, 'network option is not allowed'],
      ['an answer about another network', 'app', { Id: HOST_ID, Name: 'host', Driver: 'bridge' }, 'does not describe it'],
      ['an answer that is not a network', 'app', undefined, 'does not describe it'],
    ])('refuses %s', (_what, value, inspected, reason) => {
      const denial = checkReferencedNetwork(ref(value), inspected, context);
      expect(denial).toMatchObject({ rule: 'network-reference', field: 'path.id', value });
      expect(denial!.reason).toContain(reason);
    });

    it('allows the host network where the policy allows host networking', () => {
      expect(checkReferencedNetwork(ref('f00d'), { Id: HOST_ID, Name: 'host', Driver: 'host' }, { ...context, options: { ...RESTRICTED, hostNetwork: true } })).toBeUndefined();
    });
  });
});
