import { docker, text } from '../support/docker-cli';
import { e2eState } from '../support/e2e-state';
import { sampleValue } from '../support/metrics-text';
import { messageOf, rawRequest } from '../support/raw-http';

const state = e2eState();
const cli = state.clis[0];
const auth = { Authorization: `Bearer ${state.adminToken}` };
const scrape = async () => (await fetch(`${state.adminUrl}/metrics`)).text();
const audit = async (path: string) => (await fetch(`${state.adminUrl}/audit${path}`, { headers: auth })).json() as Promise<any>;
const requestIdOf = (message: string) => /\[request id ([0-9a-f]+)\]/.exec(message)?.[1];

describe('operators see what the service decides', () => {
  it('counts denials by rule and requests by route template in /metrics', async () => {
    const denialLabels = { rule: 'privileged', route: '/containers/create', dry_run: 'false' };
    const listLabels = { route: '/containers/json', method: 'GET', decision: 'allowed', status_class: '2xx' };
    const before = await scrape();
    await docker(cli, state.tcpHost, ['run', '--rm', '--privileged', state.image, 'true']);
    await docker(cli, state.tcpHost, ['ps']);
    const after = await scrape();
    expect(sampleValue(after, 'dind_denials_total', denialLabels)).toBe(sampleValue(before, 'dind_denials_total', denialLabels) + 1);
    expect(sampleValue(after, 'dind_requests_total', listLabels)).toBeGreaterThan(sampleValue(before, 'dind_requests_total', listLabels));
    expect(sampleValue(after, 'dind_daemon_up', {})).toBe(1);
    expect(after).toMatch(/^dind_policy_info\{name="restricted",hash="[0-9a-f]{12}",api_min="1.24",api_max="1.52",dry_run="false"\} 1$/m);
    expect(after).not.toMatch(/route="\/v1\.\d+/);
  });

  it('traces a denial from the message the user saw to its audit record', async () => {
    const result = await docker(cli, state.tcpHost, ['run', '--rm', '-v', '/etc:/host-etc', state.image, 'true']);
    const requestId = requestIdOf(result.stderr);
    expect(requestId).toBeDefined();
    const record = await audit(`/${requestId}`);
    expect(record).toMatchObject({ requestId, decision: 'denied', rules: ['host-mount'], route: '/containers/create', method: 'POST', status: 403, apiVersion: '1.41' });
    expect(record.client).toMatch(/^127\.0\.0\.1:\d+$/);
    const filtered = await audit('?decision=denied&rule=host-mount&route=/containers/create&limit=5');
    expect(filtered.records.map((r: { requestId: string }) => r.requestId)).toContain(requestId);
  });

  it('records the id of what an allowed request created, and finds it by container', async () => {
    const id = text(await docker(cli, state.tcpHost, ['create', state.image, 'true']));
    const found = await audit(`?container=${id.slice(0, 12)}`);
    const create = found.records.find((r: { route: string }) => r.route === '/containers/create');
    expect(create).toMatchObject({ decision: 'allowed', status: 201, objectId: id });
    await docker(cli, state.tcpHost, ['rm', id]);
  });

  it.each([
    ['no token', {}, 401],
    ['a wrong token', { Authorization: 'Bearer wrong' }, 401],
    ['the right token', auth, 200],
  ])('the audit API answers %s with %i', async (_name, headers, status) => {
    expect((await fetch(`${state.adminUrl}/audit?limit=1`, { headers })).status).toBe(status);
  });

  it('keeps /metrics, /health and /ready open for probes and scrapers', async () => {
    for (const path of ['/metrics', '/health', '/ready']) expect((await fetch(`${state.adminUrl}${path}`)).status).toBe(200);
  });

  it('never writes a registry credential to the log or the audit record', async () => {
    const secret = 'S3cr3t-registry-password-e2e';
    const registryAuth = Buffer.from(JSON.stringify({ username: 'u', password: secret, serveraddress: '127.0.0.1:5000' })).toString('base64');
    const response = await rawRequest({ port: state.apiPort }, 'POST', '/v1.41/images/create?fromImage=127.0.0.1:5000/x&tag=1', { headers: { 'X-Registry-Auth': registryAuth } });
    expect(response.status).toBe(403);
    const requestId = requestIdOf(messageOf(response))!;
    const record = await audit(`/${requestId}`);
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(JSON.stringify(record)).not.toContain(registryAuth);
    const log = require('node:fs').readFileSync(state.serviceLog, 'utf8') as string;
    expect(log).toContain(requestId);
    expect(log).not.toContain(secret);
    expect(log).not.toContain(registryAuth);
  });
});
