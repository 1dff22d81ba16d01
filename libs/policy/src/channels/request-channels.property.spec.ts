import fc from 'fast-check';
import { DockerPolicy } from '../docker-policy';
import { HeaderValue } from '../policy-request';

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41' });

// Parameters the query rules refuse, each with the route that reads it and a
// value the same rules allow.
const GUARDED: ReadonlyArray<{ method: string; path: string; base: string; key: string; danger: string; benign: string }> = [
  { method: 'POST', path: '/build', base: 't=x', key: 'networkmode', danger: 'host', benign: 'default' },
  { method: 'POST', path: '/build', base: 't=x', key: 'remote', danger: 'http://127.0.0.1:1/ctx.tar', benign: '' },
  { method: 'POST', path: '/build', base: 't=x', key: 'cgroupparent', danger: '/', benign: '' },
  { method: 'POST', path: '/build', base: 't=x', key: 'isolation', danger: 'hyperv', benign: 'default' },
  { method: 'POST', path: '/build', base: 't=x', key: 'version', danger: '3', benign: '1' },
  { method: 'POST', path: '/images/create', base: 'repo=x', key: 'fromSrc', danger: 'http://127.0.0.1:1/x.tar', benign: '-' },
  { method: 'POST', path: '/images/create', base: 'tag=1', key: 'fromImage', danger: '127.0.0.1:5000/x', benign: 'busybox' },
  { method: 'GET', path: '/images/search', base: 'limit=1', key: 'term', danger: '169.254.169.254/x', benign: 'busybox' },
];

const prefix = fc.constantFrom('', '/v1.24', '/v1.41', '/v1.52');
const enc = encodeURIComponent;

// Spellings of a form media type that Go's mime.ParseMediaType reads as one.
const caseMix = (text: string) =>
  fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }).map((flips) =>
    [...text].map((char, i) => (flips[i] ? char.toUpperCase() : char)).join(''),
  );
const formContentType = fc
  .tuple(
    fc.constantFrom('application/x-www-form-urlencoded', 'multipart/form-data'),
    fc.constantFrom('', ' ', '\t'),
    fc.constantFrom('', ';', '; charset=utf-8', '; boundary=XyZ', ';boundary="a b"'),
  )
  .chain(([type, pad, params]) => caseMix(type).map((spelled) => `${pad}${spelled}${pad}${params}`));

const formBody = (key: string, value: string, multipart: boolean) =>
  multipart
    ? `--XyZ\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n--XyZ--\r\n`
    : `${enc(key)}=${enc(value)}`;

describe('no channel but the query carries a parameter to the daemon', () => {
  it('a guarded parameter in a form body is refused, however the form type is spelled, on every API version', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GUARDED), prefix, formContentType, fc.boolean(), fc.boolean(), (g, version, contentType, multipart, dangerous) => {
        const body = formBody(g.key, dangerous ? g.danger : g.benign, multipart);
        const decision = policy.decide({ method: g.method, url: `${version}${g.path}?${g.base}`, headers: { 'content-type': contentType }, body: Buffer.from(body) });
        expect(decision).toMatchObject({ allowed: false, denial: { rule: 'body.form' } });
      }),
    );
  });

  it('a form type anywhere among repeated Content-Type lines is refused', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GUARDED), prefix, formContentType, fc.nat(2), (g, version, contentType, position) => {
        const lines = ['application/x-tar', 'application/x-tar'];
        lines.splice(position, 0, contentType);
        const headers: Record<string, HeaderValue> = { 'content-type': lines };
        const decision = policy.decide({ method: g.method, url: `${version}${g.path}?${g.base}`, headers });
        expect(decision.allowed).toBe(false);
      }),
    );
  });

  it('a guarded parameter repeated in the query is refused wherever the dangerous value stands', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GUARDED), prefix, fc.boolean(), (g, version, dangerFirst) => {
        const values = dangerFirst ? [g.danger, g.benign] : [g.benign, g.danger];
        const query = [g.base, ...values.map((v) => `${g.key}=${enc(v)}`)].join('&');
        const decision = policy.decide({ method: g.method, url: `${version}${g.path}?${query}`, headers: {} });
        expect(decision).toMatchObject({ allowed: false, denial: { rule: 'query.duplicate' } });
      }),
    );
  });

  it('the same parameter alone in the query is judged by its value (the form and duplicate variants never judge differently)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GUARDED), prefix, (g, version) => {
        const at = (value: string) => policy.decide({ method: g.method, url: `${version}${g.path}?${g.base}&${g.key}=${enc(value)}`, headers: {} });
        expect(at(g.danger).allowed).toBe(false);
        expect(at(g.benign).allowed).toBe(true);
      }),
    );
  });

  it('each value of a list parameter is judged: one forbidden value anywhere in the list is refused', () => {
    fc.assert(
      fc.property(prefix, fc.array(fc.constantFrom('[]', 'null', ''), { maxLength: 4 }), fc.nat(4), (version, allowed, position) => {
        const values: string[] = [...allowed];
        values.splice(Math.min(position, values.length), 0, 'seccomp=unconfined');
        const query = values.map((v) => `securityopt=${enc(v)}`).join('&');
        const decision = policy.decide({ method: 'POST', url: `${version}/build?${query}`, headers: {} });
        expect(decision).toMatchObject({ allowed: false, denial: { rule: 'confinement' } });
      }),
    );
  });
});
