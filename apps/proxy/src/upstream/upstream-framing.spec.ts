import { AllowedRequest, DockerPolicy, ROUTE_TABLE, RouteRow } from '@dind/policy';
import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { upstreamFraming } from './upstream-framing';

const row = (method: RouteRow['method'], template: string): RouteRow => {
  const found = ROUTE_TABLE.find((r) => r.method === method && r.template === template);
  if (!found) throw new Error(`no route ${method} ${template}`);
  return found;
};

const allowed = (route: RouteRow, upstreamUrl: string, body?: Buffer): AllowedRequest => ({ allowed: true, route, apiVersion: '1.41', params: {}, upstreamUrl, body });

/** Only what upstreamFraming reads of the request: its method and header lines. */
const request = (method: string, headers: IncomingHttpHeaders) => {
  const rawHeaders = Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value.flatMap((v) => [name, v]) : [name, String(value)]));
  return { method, url: '/as-the-client-wrote-it', headers, rawHeaders } as unknown as IncomingMessage;
};

const CREATE = row('POST', '/containers/create');
const EXEC_START = row('POST', '/exec/{id}/start');
const LOAD = row('POST', '/images/load');
const LOGS = row('GET', '/containers/{id}/logs');

describe('upstreamFraming', () => {
  it('takes these rows from the route table as json and stream routes', () => {
    expect([CREATE.body, EXEC_START.body, LOAD.body, LOGS.body]).toEqual(['json', 'json', 'stream', 'stream']);
  });

  describe('on a JSON route', () => {
    const canonical = Buffer.from('{"Image":"busybox"}');

    it.each<[string, IncomingHttpHeaders]>([
      ['a Content-Length body', { 'content-type': 'application/json', 'content-length': '99' }],
      ['a chunked body', { 'content-type': 'application/json; charset=utf-8', 'transfer-encoding': 'chunked' }],
      ['an identity-encoded body', { 'content-type': 'application/json', 'content-encoding': 'identity', 'content-length': '3' }],
      ['a body with both framings', { 'content-type': 'APPLICATION/JSON', 'content-length': '5', 'transfer-encoding': 'chunked' }],
    ])('sends the decision body framed by its own length for %s', (_, headers) => {
      const framing = upstreamFraming(request('POST', { host: 'docker', ...headers }), allowed(CREATE, '/v1.41/containers/create?name=web', canonical));
      expect(framing.body).toBe(canonical);
      expect(framing.headers['content-length']).toBe(String(canonical.length));
      expect(framing.headers['transfer-encoding']).toBeUndefined();
      expect(framing.headers['content-encoding']).toBeUndefined();
      expect(framing.headers['content-type']).toBe('application/json');
      expect(framing.headers.host).toBe('docker');
    });

    // What the policy decides for a body the client sent: a literal null forwards nothing.
    const decided = (raw: string): AllowedRequest => {
      const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });
      const decision = policy.decide({ method: 'POST', url: '/v1.41/exec/abc/start', headers: { 'content-type': 'application/json' }, body: Buffer.from(raw) });
      if (!decision.allowed) throw new Error(decision.denial.reason);
      return decision;
    };

    it.each<[string, () => AllowedRequest]>([
      ['no body at all (decision body absent)', () => allowed(EXEC_START, '/v1.41/exec/abc/start')],
      ['an empty decision body', () => allowed(EXEC_START, '/v1.41/exec/abc/start', Buffer.alloc(0))],
      ['a literal null, as the policy decides it', () => decided('null')],
      ['a literal null with whitespace, as the policy decides it', () => decided(' null \n')],
    ])('sends an empty body with Content-Length 0 and no Content-Type for %s', (_, decision) => {
      const framing = upstreamFraming(
        request('POST', { 'content-type': 'application/json', 'content-length': '4', 'transfer-encoding': 'chunked' }),
        decision(),
      );
      expect(framing.body).toEqual(Buffer.alloc(0));
      expect(framing.headers['content-length']).toBe('0');
      expect(framing.headers['content-type']).toBeUndefined();
      expect(framing.headers['transfer-encoding']).toBeUndefined();
    });

    it('sends the path of the decision, not the one the client wrote', () => {
      const framing = upstreamFraming(request('POST', {}), allowed(CREATE, '/v1.41/containers/create?name=web', canonical));
      expect(framing).toMatchObject({ method: 'POST', path: '/v1.41/containers/create?name=web' });
    });

    it("leaves the client's headers object as it was", () => {
      const headers = { 'content-type': 'text/plain', 'content-length': '99' };
      upstreamFraming(request('POST', headers), allowed(CREATE, '/v1.41/containers/create', canonical));
      expect(headers).toEqual({ 'content-type': 'text/plain', 'content-length': '99' });
    });
  });

  describe('on a stream route', () => {
    it.each<[string, RouteRow, string, IncomingHttpHeaders]>([
      ['an image tarball', LOAD, 'POST', { 'content-type': 'application/x-tar', 'transfer-encoding': 'chunked' }],
      ['a follow stream', LOGS, 'GET', { accept: '*/*' }],
      ['a body the handler never reads', LOAD, 'POST', { 'content-type': 'application/json', 'content-length': '12' }],
    ])("keeps the client's headers and streams its body for %s", (_, route, method, headers) => {
      const framing = upstreamFraming(request(method, headers), allowed(route, '/v1.41/checked?x=1'));
      expect(framing.headers).toEqual(headers);
      expect(framing.body).toBeUndefined();
      expect(framing).toMatchObject({ method, path: '/v1.41/checked?x=1' });
    });

    it('ignores a decision body it could not have (the client body streams)', () => {
      const framing = upstreamFraming(request('POST', { 'content-length': '3' }), allowed(LOAD, '/v1.41/images/load', Buffer.from('{}')));
      expect(framing.body).toBeUndefined();
      expect(framing.headers['content-length']).toBe('3');
    });
  });

  it('keeps every line of a repeated header (BuildKit names one session method per line)', () => {
    const methods = ['/moby.filesync.v1.FileSync/DiffCopy', '/moby.buildkit.secrets.v1.Secrets/GetSecret'];
    const req = { method: 'POST', url: '/session', headers: {}, rawHeaders: ['Host', 'docker', ...methods.flatMap((m) => ['X-Docker-Expose-Session-Grpc-Method', m])] } as unknown as IncomingMessage;
    const framing = upstreamFraming(req, allowed(row('POST', '/session'), '/v1.41/session'));
    expect(framing.headers['x-docker-expose-session-grpc-method']).toEqual(methods);
    expect(framing.headers.host).toBe('docker');
  });

  it('treats a header named __proto__ as a header, not as the prototype', () => {
    const req = { method: 'GET', url: '/x', headers: {}, rawHeaders: ['__proto__', 'x', 'Host', 'docker'] } as unknown as IncomingMessage;
    const framing = upstreamFraming(req, allowed(LOGS, '/v1.41/containers/c/logs'));
    expect(Object.getPrototypeOf(framing.headers)).toBeNull();
    expect(Object.keys(framing.headers)).toEqual(['__proto__', 'host']);
  });
});
