import { DockerdSupervisor } from '@dind/daemon';
import { AllowedRequest } from '@dind/policy';
import { IncomingMessage, ServerResponse } from 'node:http';
import { DockerProxyController } from './docker-proxy.controller';
import { DaemonUnavailableError } from './policy-denied.error';
import { contextOf } from './request-context';
import { UpstreamProxy } from './upstream-proxy.service';

describe('DockerProxyController', () => {
  const admitted = () => {
    const req = {} as IncomingMessage;
    contextOf(req).decision = {} as AllowedRequest;
    return req;
  };

  it('forwards an admitted request while the daemon is ready', () => {
    const forward = jest.fn();
    new DockerProxyController({ forward } as unknown as UpstreamProxy, { state: 'ready' } as DockerdSupervisor).proxy(admitted(), {} as ServerResponse);
    expect(forward).toHaveBeenCalledTimes(1);
  });

  it('answers 503 instead when the daemon began a restart while the request was being admitted', () => {
    const forward = jest.fn();
    const controller = new DockerProxyController({ forward } as unknown as UpstreamProxy, { state: 'restarting' } as DockerdSupervisor);
    expect(() => controller.proxy(admitted(), {} as ServerResponse)).toThrow(DaemonUnavailableError);
    expect(forward).not.toHaveBeenCalled();
  });

  it('refuses a request that reached it without a decision', () => {
    const controller = new DockerProxyController({ forward: jest.fn() } as unknown as UpstreamProxy, { state: 'ready' } as DockerdSupervisor);
    expect(() => controller.proxy({} as IncomingMessage, {} as ServerResponse)).toThrow(/without a policy decision/);
  });
});
