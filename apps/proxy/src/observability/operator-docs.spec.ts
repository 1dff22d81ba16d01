import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DindMetrics } from './dind-metrics';
import { UpstreamPool } from '../upstream/upstream-pool';
import { RESTRICTED } from '@dind/policy';
import { DockerdSupervisor } from '@dind/daemon';

const docs = join(__dirname, '..', '..', '..', '..', 'docs');
const metricNames = async () => {
  const supervisor = { state: 'ready', restarts: 0, startupSeconds: 1 } as unknown as DockerdSupervisor;
  const metrics = new DindMetrics(supervisor, RESTRICTED, new UpstreamPool({ socketPath: '/nonexistent' }, { maxSockets: 1, queueTimeoutMs: 100 }));
  return new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
};
// dind_* names in an expression, without the histogram/counter suffixes Prometheus adds.
const referenced = (expressions: string[]) =>
  [...new Set(expressions.flatMap((e) => e.match(/dind_[a-z_]+/g) ?? []))].map((name) => name.replace(/_(bucket|sum|count)$/, ''));

describe('the operator examples in docs/ use metrics the service exports', () => {
  it('alert rules', async () => {
    const rules = parse(readFileSync(join(docs, 'prometheus', 'alert-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual(['DindServiceDaemonDown', 'DindServiceDaemonCrashLoop', 'DindServiceDenialSpike', 'DindServiceAuditWriteFailures']);
    const names = await metricNames();
    for (const name of referenced(alerts.map((a) => a.expr))) expect(names).toContain(name);
  });

  it('the Grafana dashboard', async () => {
    const dashboard = JSON.parse(readFileSync(join(docs, 'grafana', 'dind-service-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const names = await metricNames();
    const used = referenced(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)));
    expect(used.length).toBeGreaterThan(8);
    for (const name of used) expect(names).toContain(name);
  });

  it('the metrics table in docs/operations.md lists every service metric', async () => {
    const table = readFileSync(join(docs, 'operations.md'), 'utf8');
    for (const name of await metricNames()) {
      if (name.startsWith('dind_process_') || name.startsWith('dind_nodejs_')) continue;
      expect(table).toContain(`\`${name}\``);
    }
  });
});
