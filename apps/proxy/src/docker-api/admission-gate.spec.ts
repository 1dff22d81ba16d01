import { DockerdSupervisor } from '@dind/daemon';
import { deny, DockerPolicy, PolicyDenial, RESTRICTED } from '@dind/policy';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { AdmissionGate, GateRequest } from './admission-gate';
import { DaemonSideChecks } from './daemon-side.checks';
import { DenialReporter } from './denial-reporter';
import { contextOf } from './request-context';

const policy = new DockerPolicy({ daemonApiVersion: () => '1.41', policy: RESTRICTED });

function gateWith(state: string, settle: DaemonSideChecks['settle'] = async (decision) => decision) {
  const supervisor = { state } as unknown as DockerdSupervisor;
  const wouldDeny = jest.fn();
  const reporter = { wouldDeny } as unknown as DenialReporter;
  return { gate: new AdmissionGate(policy, supervisor, { settle } as unknown as DaemonSideChecks, reporter), wouldDeny };
}

function request(method: string, path: string, overrides: Partial<GateRequest> & { body?: Buffer | PolicyDenial } = {}) {
  const readBody = jest.fn(async () => overrides.body ?? Buffer.from('{}'));
  const gateRequest: GateRequest = {
    context: contextOf({} as IncomingMessage),
    method,
    path,
    socket: {} as Socket,
    hijacked: false,
    headers: { 'content-type': 'application/json' },
    hasBody: false,
    readBody,
    ...overrides,
  };
  return { gateRequest, readBody };
}

describe('AdmissionGate: one admission for plain and upgraded requests', () => {
  it('says the daemon is not ready before it judges or reads anything', async () => {
    const { gate } = gateWith('restarting');
    const { gateRequest, readBody } = request('POST', '/v1.41/containers/create', { hasBody: true });
    expect(await gate.admit(gateRequest)).toEqual({ outcome: 'unavailable', message: 'dind-service: the docker daemon is restarting; try again shortly' });
    expect(readBody).not.toHaveBeenCalled();
  });

  it.each([
    ['an unknown route', 'GET', '/v1.41/nope', {}, 'route.unknown'],
    ['an upgrade of a route that cannot be upgraded', 'GET', '/v1.41/containers/json', { hijacked: true }, 'route.upgrade'],
    ['an upgrade carrying a body where the daemon reads none', 'POST', '/v1.41/containers/abc/attach?stream=1&stdout=1', { hijacked: true, hasBody: true }, 'body.framing'],
    ['a privileged create', 'POST', '/v1.41/containers/create', { body: Buffer.from('{"Image":"x","HostConfig":{"Privileged":true}}') }, 'privileged'],
    ['a body the transport could not read', 'POST', '/v1.41/containers/create', { body: deny('body.size', 'too large') }, 'body.size'],
  ])('refuses %s, naming the rule', async (_name, method, path, overrides, rule) => {
    const { gate } = gateWith('ready');
    const outcome = await gate.admit(request(method, path, overrides).gateRequest);
    expect(outcome).toMatchObject({ outcome: 'refused', denial: { rule } });
  });

  it('admits an upgrade of an attach with no body, without reading one', async () => {
    const { gate } = gateWith('ready');
    const { gateRequest, readBody } = request('POST', '/v1.41/containers/abc/attach?stream=1&stdout=1', { hijacked: true });
    expect(await gate.admit(gateRequest)).toMatchObject({ outcome: 'admitted', decision: { upstreamUrl: '/v1.41/containers/abc/attach?stream=1&stdout=1' } });
    expect(readBody).not.toHaveBeenCalled();
  });

  it("refuses what the daemon-side checks refuse, and reports a dry-run's would-deny once", async () => {
    const refusal = deny('container-reference', 'not allowed');
    const refusing = gateWith('ready', async () => refusal);
    expect(await refusing.gate.admit(request('POST', '/v1.41/containers/abc/start').gateRequest)).toMatchObject({ outcome: 'refused', denial: refusal });

    const dryRun = gateWith('ready', async (decision) => ({ ...decision, wouldDeny: refusal }));
    const { gateRequest } = request('POST', '/v1.41/containers/abc/start');
    expect(await dryRun.gate.admit(gateRequest)).toMatchObject({ outcome: 'admitted' });
    expect(dryRun.wouldDeny).toHaveBeenCalledWith(gateRequest, refusal);
  });
});
