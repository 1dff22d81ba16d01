import { DockerPolicy } from '../docker-policy';
import { HeaderValue, PolicyDecision } from '../policy-request';

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
const ask = (method: string, url: string, headers: Record<string, HeaderValue>, body?: string): PolicyDecision =>
  policy.decide({ method, url, headers, body: body === undefined ? undefined : Buffer.from(body) });
const ruleOf = (decision: PolicyDecision) => (decision.allowed ? 'allowed' : decision.denial.rule);
const FORM = 'application/x-www-form-urlencoded';

describe('a form body is never a channel for parameters', () => {
  it.each([
    ['an import whose form body names a loopback URL', 'POST', '/v1.41/images/create?fromSrc=-&repo=x', FORM],
    ['a build whose form carries networkmode=host', 'POST', '/v1.41/build?networkmode=default', FORM],
    ['an unversioned build', 'POST', '/build', FORM],
    ['an API 1.24 pull', 'POST', '/v1.24/images/create?fromImage=busybox', FORM],
    ['a type in mixed case', 'POST', '/v1.41/build', 'Application/X-WWW-Form-URLEncoded'],
    ['a type with parameters', 'POST', '/v1.41/build', `${FORM}; charset=utf-8`],
    ['a type padded with blanks', 'POST', '/v1.41/build', ` \t${FORM} `],
    ['multipart (Go parses it for every method)', 'GET', '/v1.41/containers/json', 'multipart/form-data; boundary=x'],
    ['multipart in capitals', 'POST', '/v1.41/images/load', 'MULTIPART/FORM-DATA; boundary=x'],
    ['any other multipart type', 'PUT', '/v1.41/containers/c/archive?path=/', 'multipart/mixed; boundary=x'],
    ['a passthrough route (kill reads signal with FormValue)', 'POST', '/v1.41/containers/c/kill', FORM],
    ['a JSON route with no body', 'POST', '/v1.41/containers/create', FORM],
  ])('refuses %s', (_name, method, url, contentType) => {
    const decision = ask(method, url, { 'content-type': contentType }, 'fromSrc=http%3A%2F%2F127.0.0.1%3A1%2Fx.tar&networkmode=host');
    expect(ruleOf(decision)).toBe('body.form');
    expect(!decision.allowed && decision.denial.field).toBe('Content-Type');
  });

  it('refuses a Content-Type that is not plain ASCII: Go lower-cases it with Unicode rules the proxy cannot see', () => {
    // "applİcation/x-www-form-urlencoded" as UTF-8 bytes, read by Node as latin-1; Go reads U+0130 as "i".
    expect(ruleOf(ask('POST', '/v1.41/build', { 'content-type': 'appl\u00c4\u00b0cation/x-www-form-urlencoded' }))).toBe('body.content-type');
  });
});

describe('a streamed body reaches the daemon only with the type its route expects', () => {
  it.each([
    ['build as JSON', 'POST', '/v1.41/build', 'application/json'],
    ['build as text', 'POST', '/build', 'text/plain'],
    ['load as JSON', 'POST', '/v1.24/images/load', 'application/json'],
    ['an archive as octet-stream', 'PUT', '/v1.41/containers/c/archive?path=/', 'application/octet-stream'],
    ['an import as octet-stream', 'POST', '/v1.41/images/create?fromSrc=-', 'application/octet-stream'],
  ])('refuses %s', (_name, method, url, contentType) => {
    expect(ruleOf(ask(method, url, { 'content-type': contentType }))).toBe('body.content-type');
  });

  it.each([
    ['docker build (CLI)', 'POST', '/v1.41/build?t=a', 'application/x-tar'],
    ['docker build with a parameter on the type', 'POST', '/v1.41/build', 'Application/X-Tar; charset=binary'],
    ['a build from docker-py or dockerode', 'POST', '/build', 'application/tar'],
    ['a build with no type (docker-py, remote context)', 'POST', '/v1.24/build', undefined],
    ['docker load (CLI)', 'POST', '/v1.41/images/load', 'application/x-tar'],
    ['a load from docker-py', 'POST', '/v1.41/images/load', undefined],
    ['docker import (CLI 20.10)', 'POST', '/v1.41/images/create?fromSrc=-&repo=x', 'text/plain'],
    ['docker import (CLI 28)', 'POST', '/v1.41/images/create?fromSrc=-&repo=x', undefined],
    ['an import from docker-py', 'POST', '/v1.24/images/create?fromSrc=-', 'application/tar'],
    ['a pull from dockerode (its options as a JSON body)', 'POST', '/images/create?fromImage=busybox', 'application/json'],
    ['docker cp (CLI 20.10)', 'PUT', '/v1.41/containers/c/archive?path=/', 'text/plain'],
    ['docker cp (CLI 28)', 'PUT', '/v1.41/containers/c/archive?path=/', undefined],
    ['putArchive from dockerode', 'PUT', '/containers/c/archive?path=/', 'application/tar'],
    ['a kill from the CLI (text/plain with no body)', 'POST', '/v1.41/containers/c/kill', 'text/plain'],
    ['a disconnect with its JSON body', 'POST', '/v1.41/networks/n/disconnect', 'application/json'],
  ])('allows %s', (_name, method, url, contentType) => {
    expect(ruleOf(ask(method, url, contentType === undefined ? {} : { 'content-type': contentType }))).toBe('allowed');
  });
});

describe('headers the daemon reads once are sent once', () => {
  it.each([
    ['Content-Type on a build (tar, then form)', '/v1.41/build', { 'content-type': ['application/x-tar', FORM] }],
    ['Content-Type, the same value twice', '/build', { 'content-type': ['application/x-tar', 'application/x-tar'] }],
    ['X-Registry-Auth on a pull', '/v1.41/images/create?fromImage=busybox', { 'x-registry-auth': ['e30=', 'eyJ1c2VybmFtZSI6InUifQ=='] }],
    ['X-Registry-Auth joined by Node', '/v1.24/images/create?fromImage=busybox', { 'x-registry-auth': 'e30=, eyJ1c2VybmFtZSI6InUifQ==' }],
    ['X-Registry-Config on a build', '/build', { 'content-type': 'application/x-tar', 'x-registry-config': ['e30=', 'e30='] }],
  ])('refuses a repeated %s', (_name, url, headers) => {
    const decision = ask('POST', url, headers);
    expect(ruleOf(decision)).toBe('request.header-repeated');
  });

  it('never echoes registry credentials in the denial', () => {
    const decision = ask('POST', '/v1.41/images/create?fromImage=busybox', { 'x-registry-auth': ['c2VjcmV0', 'c2VjcmV0Mg=='] });
    expect(decision.allowed).toBe(false);
    expect(JSON.stringify(!decision.allowed && decision.denial)).not.toContain('c2VjcmV0');
  });

  it.each([
    ['docker build with its registry config', '/v1.41/build', { 'content-type': 'application/x-tar', 'x-registry-config': 'e30=' }],
    ['docker pull with its auth', '/v1.41/images/create?fromImage=busybox', { 'content-type': 'text/plain', 'x-registry-auth': 'eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAifQ==' }],
  ])('allows %s', (_name, url, headers) => {
    expect(ruleOf(ask('POST', url, headers))).toBe('allowed');
  });
});
