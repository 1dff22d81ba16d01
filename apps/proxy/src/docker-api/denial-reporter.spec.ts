import { deny, ROUTE_TABLE } from '@dind/policy';
import { Logger } from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DecisionRecord } from '../observability/decision-record';
import { DenialReporter } from './denial-reporter';
import { contextOf } from './request-context';

describe('DenialReporter: one log line, one record, one message', () => {
  it('records the denial before rendering it, and names rule, request id and client', () => {
    const records: DecisionRecord[] = [];
    const reporter = new DenialReporter({ record: (record: DecisionRecord) => records.push(record) } as unknown as DecisionRecorder);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const context = contextOf({} as IncomingMessage);
    const socket = { remoteAddress: '192.0.2.7', remotePort: 4242 } as Socket;
    const route = ROUTE_TABLE.find((row) => row.template === '/containers/create')!;
    const rendered = reporter.report({ context, method: 'POST', path: '/v1.41/containers/create', socket, hijacked: true }, deny('privileged', 'no', 'HostConfig.Privileged', true), route, '1.41');
    expect(rendered.status).toBe(403);
    expect(rendered.message).toBe(`dind-service policy denied the request: HostConfig.Privileged=true: no (rule privileged) [request id ${context.requestId}] [client 192.0.2.7]`);
    expect(records).toEqual([expect.objectContaining({ requestId: context.requestId, decision: 'denied', rules: ['privileged'], route: '/containers/create', routeClass: 'hijacked', client: '192.0.2.7:4242' })]);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'denied', requestId: context.requestId, rule: 'privileged', route: '/containers/create' }));
    warn.mockRestore();
  });
});
