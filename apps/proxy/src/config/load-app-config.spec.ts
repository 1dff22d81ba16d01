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
    [{ DOCKERD_ARGS: '-Htcp://127.0.0.1:28390' }, /--host is set by dind-service/],
    [{ DOCKERD_ARGS: '-DHtcp://127.0.0.1:28390' }, /--host is set by dind-service/],
    [{ DOCKERD_ARGS: '-p/x.pid' }, /--pidfile is set by dind-service/],
    [{ DOCKERD_ARGS: '--graph=/elsewhere' }, /--graph is set by dind-service/],
    [{ SOCKET_MODE: '777' }, /SOCKET_MODE=777: only owner and group/],
    [{ SOCKET_MODE: '4777' }, /SOCKET_MODE=4777: only owner and group/],
    [{ SOCKET_MODE: '666' }, /SOCKET_MODE=666: only owner and group/],
    [{ SOCKET_PATH: '/etc/passwd' }, /SOCKET_PATH=\/etc\/passwd: exists and is not a socket/],
    [{ SOCKET_PATH: '/run/dind-service-dockerd/docker.sock' }, /is the daemon's own socket/],
    [{ DOCKER_UPSTREAM: 'unix:///var/run/docker.sock', SOCKET_PATH: '/var/run/docker.sock' }, /is the daemon's own socket/],
    [{ SOCKET_PATH: '/run/dind-service-dockerd/other.sock' }, /must not lie in DOCKERD_RUN_DIR/],
    [{ DOCKERD_RUN_DIR: '/run' }, /DOCKERD_RUN_DIR=\/run: must be a directory of dind-service's own/],
    [{ DOCKERD_RUN_DIR: '/var/run' }, /DOCKERD_RUN_DIR=\/var\/run: must be a directory/],
    [{ HOST: 'example.com' }, /HOST="example.com": must be an IP address/],
    [{ ADMIN_HOST: '127.evil.example' }, /ADMIN_HOST="127.evil.example": must be an IP address/],
    [{ EGRESS_ENFORCEMENT: 'iptables' }, /EGRESS_ENFORCEMENT="iptables"/],
    [{ EGRESS_ENFORCEMENT: '' }, /EGRESS_ENFORCEMENT=""/],
    [{ DOCKERD_EGRESS_GID: '0' }, /DOCKERD_EGRESS_GID="0"/],
    [{ DOCKERD_EGRESS_GID: 'docker' }, /DOCKERD_EGRESS_GID="docker"/],
    [{ EGRESS_DENY_CIDRS: '10.96.0.0/12,10.244.0.0' }, /EGRESS_DENY_CIDRS: "10.244.0.0" is not an address\/prefix/],
    [{ DOCKER_TLS_CERTDIR: 'certs' }, /DOCKER_TLS_CERTDIR="certs": must be an absolute path/],
    [{ TLS_CERT: '/tls/cert.pem', TLS_KEY: '/tls/key.pem' }, /TLS_CERT, TLS_KEY set without TLS_CA/],
    [{ TLS_CA: '/tls/ca.pem' }, /TLS_CA set without TLS_CERT, TLS_KEY/],
    [{ DOCKER_TLS_CERTDIR: '/certs', TLS_CERT: '/c', TLS_KEY: '/k', TLS_CA: '/a' }, /choose one source of certificates/],
    [{ DOCKER_TLS_CERTDIR: '/certs', PORT: '' }, /PORT="": TLS is configured but the TCP listener is off/],
    [{ DOCKER_TLS_CERTDIR: '/certs', DOCKER_TLS_SAN: 'docker.example' }, /DOCKER_TLS_SAN="docker.example": must be names like/],
    [{ DOCKER_TLS_CERTDIR: '/certs', DOCKER_TLS_SAN: 'DNS:a,b' }, /DOCKER_TLS_SAN/],
    [{ DOCKER_TLS_CERTDIR: '/certs', ADMIN_PORT: '2376' }, /ADMIN_PORT=2376: must differ from PORT/],
    [{ TLS_RELOAD_INTERVAL_MS: '10' }, /TLS_RELOAD_INTERVAL_MS/],
  ])('refuses %j at start-up', (env, message) => {
    expect(() => loadAppConfig(env, [])).toThrow(message);
  });

  it('enforces egress in the kernel by default, for group 2375', () => {
    expect(loadAppConfig({}, [])).toMatchObject({ EGRESS_ENFORCEMENT: 'kernel', DOCKERD_EGRESS_GID: 2375, egressDenyCidrs: [] });
  });

  it('reads the egress settings', () => {
    const config = loadAppConfig({ EGRESS_ENFORCEMENT: 'off', DOCKERD_EGRESS_GID: '4000', EGRESS_DENY_CIDRS: '10.96.0.0/12, fd00::/8' }, []);
    expect(config).toMatchObject({ EGRESS_ENFORCEMENT: 'off', DOCKERD_EGRESS_GID: 4000, egressDenyCidrs: ['10.96.0.0/12', 'fd00::/8'] });
  });

  it('listens with TLS on 2376 when DOCKER_TLS_CERTDIR is set and PORT is not (docker:dind\'s contract)', () => {
    expect(loadAppConfig({ DOCKER_TLS_CERTDIR: '/certs' }, []).PORT).toBe('2376');
    expect(loadAppConfig({ DOCKER_TLS_CERTDIR: '' }, []).PORT).toBe('2375');
    expect(loadAppConfig({ TLS_CERT: '/tls/cert.pem', TLS_KEY: '/tls/key.pem', TLS_CA: '/tls/ca.pem' }, []).PORT).toBe('2376');
  });

  it('keeps PORT when it is set, with TLS too', () => {
    expect(loadAppConfig({ DOCKER_TLS_CERTDIR: '/certs', PORT: '2375' }, []).PORT).toBe('2375');
  });

  it.each([['DNS:docker.example IP:10.0.0.5'], ['DNS:a,DNS:b, IP:::1'], ['  ']])('accepts DOCKER_TLS_SAN=%j', (san) => {
    expect(loadAppConfig({ DOCKER_TLS_CERTDIR: '/certs', DOCKER_TLS_SAN: san }, []).DOCKER_TLS_SAN).toBe(san);
  });

  it('parses booleans, the port and the socket mode once', () => {
    const config = loadAppConfig({ AUDIT_STRICT: 'true', ALLOW_CONTAINER_CLIENTS: 'false', PORT: '2380', SOCKET_MODE: '640' }, []);
    expect([config.AUDIT_STRICT, config.ALLOW_CONTAINER_CLIENTS, config.AUDIT_STDOUT, config.METRICS_REQUIRE_TOKEN]).toEqual([true, false, true, false]);
    expect([config.apiPort, config.socketMode]).toEqual([2380, 0o640]);
    expect(loadAppConfig({ PORT: '' }, []).apiPort).toBeUndefined();
  });

  it.each([['yes'], ['1'], ['TRUE'], ['']])('refuses AUDIT_STRICT=%p: only true or false', (value) => {
    expect(() => loadAppConfig({ AUDIT_STRICT: value }, [])).toThrow(/AUDIT_STRICT=.*: must be true or false/);
  });

  it.each([['660'], ['600'], ['640']])('accepts SOCKET_MODE=%s', (mode) => {
    expect(loadAppConfig({ SOCKET_MODE: mode }, []).SOCKET_MODE).toBe(mode);
  });

  it.each([['0.0.0.0'], ['127.0.0.1'], ['::'], ['::1']])('accepts the bind address %s', (host) => {
    expect(loadAppConfig({ HOST: host, ADMIN_HOST: host }, []).HOST).toBe(host);
  });
});
