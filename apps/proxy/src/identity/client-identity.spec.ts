import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { certificateName, clientIdentityOf } from './client-identity';

/** A verified TLS connection presenting `cert`, without a handshake. */
function tlsPeer(cert: object, authorized = true, address = '10.0.0.5', port = 4711): TLSSocket {
  const socket = Object.create(TLSSocket.prototype) as TLSSocket;
  Object.defineProperties(socket, {
    remoteAddress: { value: address },
    remotePort: { value: port },
    authorized: { value: authorized },
    getPeerCertificate: { value: () => cert },
  });
  return socket;
}

describe('client identity', () => {
  it.each([
    ['a CN', { subject: { CN: 'runner-7' } }, 'CN=runner-7'],
    ['a CN and SANs', { subject: { CN: 'runner-7' }, subjectaltname: 'DNS:runner-7.ci, IP Address:10.0.0.5, URI:spiffe://ci/runner-7' }, 'CN=runner-7,DNS:runner-7.ci,IP:10.0.0.5,URI:spiffe://ci/runner-7'],
    ['SANs only (SPIFFE-style)', { subject: {}, subjectaltname: 'URI:spiffe://ci/job' }, 'URI:spiffe://ci/job'],
    ['two CNs', { subject: { CN: ['a', 'b'] } }, 'CN=a+b'],
    ['a plus in its one CN, which cannot pass for two', { subject: { CN: 'a+b' } }, 'CN=a\\u{2b}b'],
    ['neither: its fingerprint', { subject: {}, fingerprint256: 'AB:CD' }, 'SHA256=AB:CD'],
    ['control characters, which never reach a log line', { subject: { CN: 'evil\n{"event":"allowed"}\u0000' } }, 'CN=evil\\u{a}{"event":"allowed"}\\u{0}'],
    ['a comma in its CN, which cannot pass for a SAN', { subject: { CN: 'runner-1,DNS:runner-1.ci' } }, 'CN=runner-1\\u{2c}DNS:runner-1.ci'],
    ['letters beyond ASCII, kept apart', { subject: { CN: 'müller' } }, 'CN=m\\u{fc}ller'],
  ])('names a certificate with %s', (_, cert, name) => {
    expect(certificateName(tlsPeer(cert))).toBe(name);
  });

  it('names a certificate whose name is over 200 characters by its fingerprint: cut, two names could become one', () => {
    expect(certificateName(tlsPeer({ subject: { CN: 'x'.repeat(500) }, fingerprint256: 'AB:CD' }))).toBe('SHA256=AB:CD');
  });

  it('tells apart what printing alone would make one name', () => {
    const names = ['müller', 'möller', 'm?ller'].map((cn) => certificateName(tlsPeer({ subject: { CN: cn } })));
    expect(new Set(names).size).toBe(3);
    const forged = certificateName(tlsPeer({ subject: { CN: 'runner-1,DNS:runner-1.ci' } }));
    expect(forged).not.toBe(certificateName(tlsPeer({ subject: { CN: 'runner-1' }, subjectaltname: 'DNS:runner-1.ci' })));
  });

  it('labels a TLS client with its name and address, and counts it by its name', () => {
    expect(clientIdentityOf(tlsPeer({ subject: { CN: 'runner-7' } }))).toEqual({ name: 'CN=runner-7', label: 'CN=runner-7@10.0.0.5:4711' });
  });

  it('names a plain TCP client by its address, and the unix socket as one client', () => {
    const tcp = Object.defineProperties(new Socket(), { remoteAddress: { value: '10.0.0.6' }, remotePort: { value: 5000 } });
    expect(clientIdentityOf(tcp)).toEqual({ name: '10.0.0.6', label: '10.0.0.6:5000' });
    expect(clientIdentityOf(new Socket())).toEqual({ name: 'unix-socket', label: 'unix-socket' });
  });

  it('never takes a name from a TLS connection whose certificate was not verified', () => {
    const unverified = tlsPeer({ subject: { CN: 'admin' } }, false);
    expect(clientIdentityOf(unverified).name).toBe('10.0.0.5');
  });
});
