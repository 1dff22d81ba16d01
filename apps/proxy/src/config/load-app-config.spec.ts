import { loadAppConfig } from './load-app-config';

describe('loadAppConfig', () => {
  it('has a default for everything', () => {
    const config = loadAppConfig({}, []);
    expect(config).toMatchObject({ PORT: '2375', SOCKET_PATH: '/run/dind-service/docker.sock', ADMIN_PORT: 8080, DOCKER_UPSTREAM: '', dockerdArgs: [] });
  });

  it("disables TCP with PORT='' (the original project's contract)", () => {
    expect(loadAppConfig({ PORT: '' }, []).PORT).toBe('');
  });

  it('passes DOCKERD_ARGS and the arguments after -- to dockerd', () => {
    expect(loadAppConfig({ DOCKERD_ARGS: '--storage-driver=vfs  --debug' }, ['--', '--mtu=1400']).dockerdArgs).toEqual([
      '--storage-driver=vfs',
      '--debug',
      '--mtu=1400',
    ]);
  });

  it.each([
    [{ PORT: '', SOCKET_PATH: '' }, /at least one listener/],
    [{ PORT: 'abc' }, /PORT="abc": must be a port number/],
    [{ ADMIN_PORT: '2375' }, /ADMIN_PORT=2375: must differ from PORT/],
    [{ DOCKER_UPSTREAM: 'http//x' }, /DOCKER_UPSTREAM="http\/\/x"/],
    [{ SOCKET_PATH: 'relative.sock' }, /SOCKET_PATH="relative.sock": must be an absolute path/],
    [{ MAX_JSON_BODY_BYTES: 'lots' }, /MAX_JSON_BODY_BYTES="lots"/],
    [{ DOCKERD_ARGS: '-H tcp://0.0.0.0:2376' }, /dockerd argument -H tcp:\/\/0\.0\.0\.0:2376: --host is set by dind-service/],
    [{ DOCKERD_ARGS: '--host=tcp://0.0.0.0:2376' }, /--host=tcp/],
    [{ DOCKERD_ARGS: '--tlsverify' }, /--tlsverify/],
    [{ DOCKERD_ARGS: '--config-file=/tmp/mine.json' }, /dockerd argument --config-file=\/tmp\/mine.json: --config-file is set by dind-service/],
    [{ DOCKERD_CONFIG_FILE: 'daemon.json' }, /DOCKERD_CONFIG_FILE="daemon.json": must be an absolute path/],
  ])('refuses %j at start-up', (env, message) => {
    expect(() => loadAppConfig(env, [])).toThrow(message);
  });
});
