import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DockerdSupervisor } from '@dind/daemon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminModule } from '../admin/admin.module';
import { AuditStore } from '../audit/audit-store';
import { loadAppConfig } from '../config/load-app-config';
import { DockerApiModule } from '../docker-api/docker-api.module';
import { LifecycleState } from '../lifecycle-state';
import { ClientLimits } from '../limits/client-limits';
import { ContainerNetworkWatcher } from '../network/container-network.watcher';
import { DecisionRecorder } from '../observability/decision-recorder';
import { DindMetrics } from '../observability/dind-metrics';
import { UpstreamPool } from '../upstream/upstream-pool';
import { RESTRICTED } from '@dind/policy';
import { CoreModule } from './core.module';
import { DOCKER_POLICY } from './core.tokens';

describe('CoreModule: one instance of each shared service for both applications', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dind-core-'));
  // An unmanaged upstream: nothing is spawned, and nothing here dials it.
  const config = loadAppConfig({ DATA_DIR: dir, DOCKER_UPSTREAM: `unix://${join(dir, 'none.sock')}`, AUDIT_STRICT: 'true' }, []);
  let core: INestApplicationContext;
  let contexts: INestApplicationContext[];

  beforeAll(async () => {
    core = await NestFactory.createApplicationContext(CoreModule.forRoot({ config, policy: RESTRICTED }), { logger: false });
    const admin = await NestFactory.create(AdminModule.forRoot(core), { logger: false });
    const api = await NestFactory.create(DockerApiModule.forRoot(core), { logger: false, bodyParser: false });
    await Promise.all([admin.init(), api.init()]);
    contexts = [admin, api];
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([DockerdSupervisor, LifecycleState, AuditStore, UpstreamPool, ClientLimits, ContainerNetworkWatcher, DindMetrics, DecisionRecorder, DOCKER_POLICY])(
    'the admin and API applications get the core\'s own %p',
    (token) => {
      const shared = core.get(token, { strict: false });
      for (const context of contexts) expect(context.get(token, { strict: false })).toBe(shared);
    },
  );

  it('configures the recorder from the config (AUDIT_STRICT), where readiness reads it too', () => {
    expect(core.get(DecisionRecorder).strict).toBe(true);
  });

  it('closes the audit log when the core closes, after the applications', async () => {
    const audit = core.get(AuditStore);
    expect(() => audit.probe()).not.toThrow();
    await core.close();
    expect(() => audit.probe()).toThrow();
  });
});
