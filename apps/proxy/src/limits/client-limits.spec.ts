import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientLimits, clientKeyOf, LimitRefusal, limitDenial } from './client-limits';

/** A connection as ClientLimits sees it: an address, and a 'close' it can wait for. */
const peer = (remoteAddress?: string) => Object.assign(new EventEmitter(), { remoteAddress }) as unknown as Socket;

const limits = (settings: Partial<ConstructorParameters<typeof ClientLimits>[0]> = {}) =>
  new ClientLimits({ clientMaxConnections: 2, clientMaxStreams: 2, maxStreams: 10, clientMaxPooled: 2, ...settings });

const isRelease = (slot: (() => void) | LimitRefusal): slot is () => void => typeof slot === 'function';

describe('ClientLimits: connections', () => {
  it('admits a client up to CLIENT_MAX_CONNECTIONS connections and refuses the next with 429 naming the setting', () => {
    const subject = limits();
    expect(subject.admitConnection(peer('10.0.0.1'))).toBeUndefined();
    expect(subject.admitConnection(peer('10.0.0.1'))).toBeUndefined();
    const refusal = subject.admitConnection(peer('10.0.0.1'));
    expect(refusal).toMatchObject({ limit: 'client-connections', status: 429 });
    expect(refusal!.message).toContain('10.0.0.1');
    expect(refusal!.message).toContain('at most 2');
    expect(refusal!.message).toContain('CLIENT_MAX_CONNECTIONS');
  });

  it('counts each remote address on its own', () => {
    const subject = limits({ clientMaxConnections: 1 });
    expect(subject.admitConnection(peer('10.0.0.1'))).toBeUndefined();
    expect(subject.admitConnection(peer('10.0.0.2'))).toBeUndefined();
    expect(subject.admitConnection(peer('::1'))).toBeUndefined();
    expect(subject.admitConnection(peer('10.0.0.1'))?.limit).toBe('client-connections');
    expect(subject.admitConnection(peer('10.0.0.2'))?.limit).toBe('client-connections');
  });

  it('counts every unix socket peer as the one client unix-socket', () => {
    const subject = limits({ clientMaxConnections: 2 });
    expect(subject.admitConnection(peer(undefined))).toBeUndefined();
    expect(subject.admitConnection(peer(undefined))).toBeUndefined();
    const refusal = subject.admitConnection(peer(undefined));
    expect(refusal?.limit).toBe('client-connections');
    expect(refusal!.message).toContain('from unix-socket');
    // A TCP client is not one of them.
    expect(subject.admitConnection(peer('10.0.0.1'))).toBeUndefined();
  });

  it('frees the slot of a connection when it closes', () => {
    const subject = limits({ clientMaxConnections: 1 });
    const first = peer('10.0.0.1');
    expect(subject.admitConnection(first)).toBeUndefined();
    expect(subject.admitConnection(peer('10.0.0.1'))).toBeDefined();
    first.emit('close', false);
    expect(subject.admitConnection(peer('10.0.0.1'))).toBeUndefined();
  });

  it('frees nothing for a refused connection that closes', () => {
    const subject = limits({ clientMaxConnections: 1 });
    expect(subject.admitConnection(peer('10.0.0.1'))).toBeUndefined();
    const refused = peer('10.0.0.1');
    expect(subject.admitConnection(refused)).toBeDefined();
    refused.emit('close', false);
    expect(subject.admitConnection(peer('10.0.0.1'))?.limit).toBe('client-connections');
  });

  describe('with real unix socket connections', () => {
    let dir: string;
    let server: Server;
    let accepted: Socket[];
    const subject = limits({ clientMaxConnections: 2 });
    const refusals: Array<LimitRefusal | undefined> = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'client-limits-'));
      accepted = [];
      server = createServer((socket) => {
        accepted.push(socket);
        refusals.push(subject.admitConnection(socket));
      });
      await new Promise<void>((resolve) => server.listen(join(dir, 'api.sock'), resolve));
    });

    afterAll(async () => {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    });

    const open = async (): Promise<Socket> => {
      const before = refusals.length;
      const socket = connect(join(dir, 'api.sock'));
      await new Promise((resolve) => socket.once('connect', resolve));
      while (refusals.length === before) await new Promise((resolve) => setImmediate(resolve));
      return socket;
    };

    it('keys them unix-socket, refuses the third, and admits again once one has closed', async () => {
      const first = await open();
      await open();
      expect(clientKeyOf(accepted[0])).toBe('unix-socket');
      await open();
      expect(refusals.map((r) => r?.limit)).toEqual([undefined, undefined, 'client-connections']);
      first.destroy();
      await new Promise((resolve) => accepted[0].once('close', resolve));
      await open();
      expect(refusals[3]).toBeUndefined();
    });
  });
});

describe('ClientLimits: stream slots', () => {
  it('gives a client up to CLIENT_MAX_STREAMS and refuses the next with 429 naming the setting', () => {
    const subject = limits({ clientMaxStreams: 2 });
    expect(isRelease(subject.acquireStream('10.0.0.1'))).toBe(true);
    expect(isRelease(subject.acquireStream('10.0.0.1'))).toBe(true);
    const refusal = subject.acquireStream('10.0.0.1') as LimitRefusal;
    expect(refusal).toMatchObject({ limit: 'client-streams', status: 429 });
    expect(refusal.message).toContain('10.0.0.1');
    expect(refusal.message).toContain('CLIENT_MAX_STREAMS');
    expect(subject.openStreams).toBe(2);
  });

  it('leaves other clients their own slots when one client is at its limit', () => {
    const subject = limits({ clientMaxStreams: 1 });
    expect(isRelease(subject.acquireStream('10.0.0.1'))).toBe(true);
    expect(isRelease(subject.acquireStream('10.0.0.1'))).toBe(false);
    expect(isRelease(subject.acquireStream('10.0.0.2'))).toBe(true);
    expect(isRelease(subject.acquireStream('unix-socket'))).toBe(true);
  });

  it('refuses any client with 503 naming MAX_STREAMS once the service holds MAX_STREAMS', () => {
    const subject = limits({ clientMaxStreams: 5, maxStreams: 3 });
    for (const client of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) expect(isRelease(subject.acquireStream(client))).toBe(true);
    const refusal = subject.acquireStream('10.0.0.4') as LimitRefusal;
    expect(refusal).toMatchObject({ limit: 'service-streams', status: 503 });
    expect(refusal.message).toContain('MAX_STREAMS');
    expect(refusal.message).not.toContain('CLIENT_MAX_STREAMS');
    expect(subject.openStreams).toBe(3);
  });

  it('gives the slot back on release, to the client and to the service', () => {
    const subject = limits({ clientMaxStreams: 1, maxStreams: 1 });
    const release = subject.acquireStream('10.0.0.1') as () => void;
    expect(subject.acquireStream('10.0.0.1')).toMatchObject({ limit: 'service-streams' });
    release();
    expect(subject.openStreams).toBe(0);
    expect(isRelease(subject.acquireStream('10.0.0.1'))).toBe(true);
  });

  it('releases a slot once however often release is called', () => {
    const subject = limits({ clientMaxStreams: 2, maxStreams: 10 });
    const first = subject.acquireStream('10.0.0.1') as () => void;
    const second = subject.acquireStream('10.0.0.1') as () => void;
    first();
    first();
    first();
    expect(subject.openStreams).toBe(1);
    // Had the repeats counted, the client would now hold -1 and get three slots.
    expect(isRelease(subject.acquireStream('10.0.0.1'))).toBe(true);
    expect(isRelease(subject.acquireStream('10.0.0.1'))).toBe(false);
    second();
    expect(subject.openStreams).toBe(1);
  });

  it("does not let one client's release free another client's slot", () => {
    const subject = limits({ clientMaxStreams: 1, maxStreams: 10 });
    const a = subject.acquireStream('10.0.0.1') as () => void;
    expect(isRelease(subject.acquireStream('10.0.0.2'))).toBe(true);
    a();
    expect(isRelease(subject.acquireStream('10.0.0.2'))).toBe(false);
    expect(isRelease(subject.acquireStream('10.0.0.1'))).toBe(true);
  });
});

describe('limitDenial', () => {
  it.each<LimitRefusal>([
    { limit: 'client-connections', status: 429, message: 'too many connections (limit CLIENT_MAX_CONNECTIONS)' },
    { limit: 'client-streams', status: 429, message: 'too many streams (limit CLIENT_MAX_STREAMS)' },
    { limit: 'service-streams', status: 503, message: 'the service is full (limit MAX_STREAMS)' },
    { limit: 'body-timeout', status: 408, message: 'too slow (limit BODY_TIMEOUT_MS)' },
    { limit: 'upstream-pool', status: 503, message: 'no connection (UPSTREAM_MAX_SOCKETS)' },
  ])('reports the $limit refusal as rule limit.$limit with its status and message', (refusal) => {
    expect(limitDenial(refusal)).toEqual({ status: refusal.status, rule: `limit.${refusal.limit}`, reason: refusal.message });
  });
});
