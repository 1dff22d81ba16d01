import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { IContainer } from 'kubernetes-models/v1/Container';
import { INamespace } from 'kubernetes-models/v1/Namespace';
import { ISecret } from 'kubernetes-models/v1/Secret';
import { IService } from 'kubernetes-models/v1/Service';
import { AppConfig } from '../../apps/proxy/src/config/app-config';
import {
  ALL,
  containsPatchDirective,
  FILES,
  kustomizations,
  LOADED,
  only,
  patchFiles,
  root,
  SCHEMAS,
  ServiceMonitor,
  withoutPatchDirectives,
} from './manifests.loader';

// The manifests repeat the service's defaults (ports, paths, timeouts); they are
// read from the class that defines them, so that changing a default in the
// service and forgetting the manifests fails here rather than in a cluster.
const defaults = new AppConfig();
const ADMIN_PORT = Number(defaults.ADMIN_PORT);
const DOCKER_PORT = Number(defaults.PORT);

const repoRoot = join(root, '..', '..');
const NAMESPACE = 'dind-service';
const SIDECAR_UPSTREAM = 'unix:///var/run/dind/docker.sock';

const baseStatefulSet = only<IStatefulSet>('base/statefulset.yaml', 'StatefulSet');
const sidecarStatefulSet = only<IStatefulSet>('sidecar/statefulset.yaml', 'StatefulSet');
const headless = only<IService>('base/service-headless.yaml', 'Service');
const networkPolicy = only<INetworkPolicy>('base/networkpolicy.yaml', 'NetworkPolicy');

const podSpec = (set: IStatefulSet) => set.spec!.template.spec!;
// Regular containers and native sidecars (init containers with restartPolicy Always).
const allContainers = (set: IStatefulSet): IContainer[] => [...podSpec(set).containers, ...(podSpec(set).initContainers ?? [])];
const container = (set: IStatefulSet, name: string): IContainer => {
  const found = allContainers(set).find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name} in ${set.metadata?.name}`);
  return found;
};
const envOf = (c: IContainer) => new Map((c.env ?? []).map((e) => [e.name, e]));
const envValue = (c: IContainer, name: string) => envOf(c).get(name)?.value;
/** A probe or policy port: a name is resolved through the container's ports. */
const portNumber = (c: IContainer, port: number | string | undefined) =>
  typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value);

describe('deploy/kubernetes: every manifest is valid', () => {
  it('finds the manifests', () => {
    expect(FILES).toEqual(
      expect.arrayContaining([
        'base/kustomization.yaml',
        'base/namespace.yaml',
        'base/statefulset.yaml',
        'base/service-headless.yaml',
        'base/poddisruptionbudget.yaml',
        'base/networkpolicy.yaml',
        'base/secret-admin-token.example.yaml',
        'optional/servicemonitor.yaml',
        'sidecar/kustomization.yaml',
        'sidecar/statefulset.yaml',
      ]),
    );
  });

  it.each(LOADED.map((l) => [l.file, l] as const))('%s parses as YAML and holds at least one object', (_file, loaded) => {
    expect(loaded.error).toBeUndefined();
    expect(loaded.manifests.length).toBeGreaterThan(0);
  });

  const objects = ALL.filter((m) => m.object.kind !== 'Kustomization' && m.object.kind !== 'ServiceMonitor');
  it.each(objects.map((m) => [m.file, `${m.object.kind} ${m.object.metadata?.name}`, m] as const))('%s: %s matches the Kubernetes schema', (_file, _name, m) => {
    const validator = SCHEMAS[`${m.object.apiVersion}/${m.object.kind}`];
    expect(validator).toBeDefined();
    if (containsPatchDirective(m.object)) expect(patchFiles).toContain(m.file);
    expect(() => validator(withoutPatchDirectives(m.object)).validate()).not.toThrow();
  });

  it('every namespaced object is in the dind-service namespace', () => {
    for (const m of ALL) {
      if (m.object.kind === 'Kustomization' || m.object.kind === 'Namespace') continue;
      expect([m.file, m.object.metadata?.namespace]).toEqual([m.file, NAMESPACE]);
    }
  });

  it('the namespace admits privileged pods (Pod Security Admission)', () => {
    const namespace = only<INamespace>('base/namespace.yaml', 'Namespace');
    expect(namespace.metadata?.name).toBe(NAMESPACE);
    expect(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });
});

describe('deploy/kubernetes: kustomizations', () => {
  it.each(kustomizations.map(({ dir, k }) => [dir, k] as const))('%s: everything it names exists', (dir, k) => {
    expect(k.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(k.namespace).toBe(NAMESPACE);
    for (const resource of k.resources ?? []) {
      const path = join(root, dir, resource);
      expect([resource, existsSync(path)]).toEqual([resource, true]);
      if (statSync(path).isDirectory()) expect(existsSync(join(path, 'kustomization.yaml'))).toBe(true);
      // Examples carry placeholders (a fake admin token) and must never be applied.
      expect(resource).not.toMatch(/\.example\.ya?ml$/);
    }
    for (const patch of k.patches ?? []) expect(patch.path && existsSync(join(root, dir, patch.path))).toBe(true);
  });

  it('base lists every manifest in its directory except the examples', () => {
    const base = kustomizations.find(({ dir }) => dir === 'base')!.k;
    const inDir = FILES.filter((f) => dirname(f) === 'base' && !/\.example\.ya?ml$/.test(f) && !f.endsWith('kustomization.yaml')).map((f) => f.slice('base/'.length));
    expect([...(base.resources ?? [])].sort()).toEqual(inDir.sort());
  });

  it('the ServiceMonitor stays out of every kustomization (it needs the Prometheus operator CRD)', () => {
    const named = kustomizations.flatMap(({ dir, k }) => [...(k.resources ?? []), ...(k.patches ?? []).map((p) => p.path ?? '')].map((r) => join(dir, r)));
    expect(named).not.toContain('optional/servicemonitor.yaml');
    for (const file of FILES.filter((f) => f.startsWith('optional/'))) expect(named).not.toContain(file);
  });

  it('the sidecar overlay replaces the whole StatefulSet spec of the base (a merge would keep the privileged container)', () => {
    const sidecar = kustomizations.find(({ dir }) => dir === 'sidecar')!.k;
    expect(sidecar.resources).toEqual(['../base']);
    expect(sidecar.patches).toEqual([{ path: 'statefulset.yaml' }]);
    const raw = ALL.find((m) => m.file === 'sidecar/statefulset.yaml')!.object as { metadata: { name: string }; spec: Record<string, unknown> };
    expect(raw.spec.$patch).toBe('replace');
    expect(raw.metadata.name).toBe(baseStatefulSet.metadata?.name);
    // The replaced spec brings its own image references: the overlay must let
    // operators pin both images, as the base does for its one.
    expect(sidecar.images?.map((i) => i.name).sort()).toEqual(['dind-service', 'docker']);
  });
});

describe.each([
  ['base', baseStatefulSet],
  ['sidecar', sidecarStatefulSet],
])('deploy/kubernetes/%s: the StatefulSet', (_variant, set) => {
  const proxy = container(set, 'dind-service');

  it('is the dind-service StatefulSet behind the headless Service', () => {
    expect(set.metadata?.name).toBe('dind-service');
    expect(set.spec?.serviceName).toBe(headless.metadata?.name);
    expect(headless.spec?.clusterIP).toBe('None');
    expect(matches(set.spec?.selector.matchLabels, set.spec?.template.metadata?.labels)).toBe(true);
    expect(matches(headless.spec?.selector, set.spec?.template.metadata?.labels)).toBe(true);
  });

  it('probes GET /health (liveness) and GET /ready (readiness) on the admin port, ADMIN_PORT', () => {
    expect(proxy.livenessProbe?.httpGet?.path).toBe('/health');
    expect(proxy.readinessProbe?.httpGet?.path).toBe('/ready');
    for (const probe of [proxy.livenessProbe, proxy.readinessProbe]) {
      expect(portNumber(proxy, probe?.httpGet?.port)).toBe(ADMIN_PORT);
    }
    expect(proxy.ports?.find((p) => p.name === 'admin')?.containerPort).toBe(ADMIN_PORT);
  });

  it('exposes the Docker API as the container port "docker", PORT', () => {
    expect(proxy.ports?.find((p) => p.name === 'docker')?.containerPort).toBe(DOCKER_PORT);
  });

  it("sets the service's ports and paths to the values it documents", () => {
    const env = envOf(proxy);
    if (env.has('PORT')) expect(envValue(proxy, 'PORT')).toBe(defaults.PORT);
    if (env.has('ADMIN_PORT')) expect(envValue(proxy, 'ADMIN_PORT')).toBe(String(defaults.ADMIN_PORT));
    if (env.has('SOCKET_PATH')) expect(envValue(proxy, 'SOCKET_PATH')).toBe(defaults.SOCKET_PATH);
    expect(envValue(proxy, 'DATA_DIR') ?? defaults.DATA_DIR).toBe(defaults.DATA_DIR);
    expect(envValue(proxy, 'ADMIN_HOST') ?? defaults.ADMIN_HOST).toBe('0.0.0.0');
  });

  it('takes ADMIN_TOKEN from a Secret, never from a literal', () => {
    const token = envOf(proxy).get('ADMIN_TOKEN');
    expect(token?.value).toBeUndefined();
    expect(token?.valueFrom?.secretKeyRef).toMatchObject({ name: 'dind-service-admin-token', key: 'admin-token' });
  });

  it('gives the service longer to stop than it may take (SHUTDOWN_GRACE_MS + DOCKERD_STOP_TIMEOUT_MS)', () => {
    const grace = podSpec(set).terminationGracePeriodSeconds!;
    expect(grace).toBeGreaterThanOrEqual(60);
    expect(grace * 1000).toBeGreaterThan(defaults.DOCKERD_STOP_TIMEOUT_MS + defaults.SHUTDOWN_GRACE_MS);
    // And more than the values this manifest sets, where it sets them.
    const stop = Number(envValue(proxy, 'DOCKERD_STOP_TIMEOUT_MS') ?? defaults.DOCKERD_STOP_TIMEOUT_MS);
    const drain = Number(envValue(proxy, 'SHUTDOWN_GRACE_MS') ?? defaults.SHUTDOWN_GRACE_MS);
    expect(grace * 1000).toBeGreaterThan(stop + drain);
  });

  it('is scraped by Prometheus through its pod annotations', () => {
    expect(set.spec?.template.metadata?.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(ADMIN_PORT),
      'prometheus.io/path': '/metrics',
    });
  });

  it('keeps the service state (DATA_DIR) on a per-pod volume claim', () => {
    const claims = (set.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name);
    const mount = proxy.volumeMounts?.find((m) => m.mountPath === defaults.DATA_DIR);
    expect(claims).toContain(mount?.name);
  });

  it('keeps dockerd data (DOCKER_DATA_ROOT) on a per-pod volume claim', () => {
    const claims = (set.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata?.name);
    const daemon = allContainers(set).find((c) => c.securityContext?.privileged === true)!;
    const mount = daemon.volumeMounts?.find((m) => m.mountPath === defaults.DOCKER_DATA_ROOT);
    expect(claims).toContain(mount?.name);
  });

  it('carries no Kubernetes API token (the service never calls the API)', () => {
    expect(podSpec(set).automountServiceAccountToken).toBe(false);
  });

  it('sets requests and limits on every container', () => {
    for (const c of allContainers(set)) {
      expect(c.resources?.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      expect(c.resources?.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    }
  });
});

describe('deploy/kubernetes/base: the StatefulSet', () => {
  it('runs 3 instances, each a privileged container that supervises its own dockerd', () => {
    expect(baseStatefulSet.spec?.replicas).toBe(3);
    const containers = podSpec(baseStatefulSet).containers;
    expect(containers.map((c) => c.name)).toEqual(['dind-service']);
    expect(containers[0].securityContext?.privileged).toBe(true);
    expect(envValue(containers[0], 'DOCKER_UPSTREAM') ?? '').toBe('');
  });
});

describe('deploy/kubernetes/sidecar: only dockerd is privileged', () => {
  const proxy = container(sidecarStatefulSet, 'dind-service');
  const dockerd = container(sidecarStatefulSet, 'dockerd');
  const hosts = (dockerd.args ?? []).flatMap((arg, i, args) => {
    if (arg === '-H' || arg === '--host') return [args[i + 1]];
    const inline = /^(?:-H|--host)=(.*)$/.exec(arg);
    return inline ? [inline[1]] : [];
  });

  it('the proxy container is unprivileged and proxies to the dockerd container (DOCKER_UPSTREAM)', () => {
    expect(proxy.securityContext?.privileged ?? false).toBe(false);
    expect(proxy.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(proxy.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(proxy.securityContext?.capabilities?.drop).toContain('ALL');
    expect(proxy.securityContext?.capabilities?.add ?? []).toEqual([]);
    expect(envValue(proxy, 'DOCKER_UPSTREAM')).toBe(SIDECAR_UPSTREAM);
  });

  it('dockerd is a native sidecar: it starts first and stops only after the proxy has drained', () => {
    expect(podSpec(sidecarStatefulSet).containers.map((c) => c.name)).toEqual(['dind-service']);
    expect(podSpec(sidecarStatefulSet).initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([['dockerd', 'Always']]);
  });

  it('dockerd listens on that socket only: no TCP listener to bypass the proxy', () => {
    expect(dockerd.securityContext?.privileged).toBe(true);
    // With a first argument other than "dockerd" the docker:dind entrypoint adds tcp://0.0.0.0:2375.
    expect(dockerd.args?.[0]).toBe('dockerd');
    expect(dockerd.command).toBeUndefined();
    expect(hosts).toEqual([SIDECAR_UPSTREAM]);
    expect(dockerd.ports ?? []).toEqual([]);
  });

  it("the socket's directory is one emptyDir shared by exactly these two containers", () => {
    const socketDir = dirname(SIDECAR_UPSTREAM.slice('unix://'.length));
    const volumeOf = (c: IContainer) => c.volumeMounts?.find((m) => m.mountPath === socketDir)?.name;
    expect(volumeOf(dockerd)).toBeDefined();
    expect(volumeOf(proxy)).toBe(volumeOf(dockerd));
    expect(podSpec(sidecarStatefulSet).volumes?.find((v) => v.name === volumeOf(dockerd))?.emptyDir).toBeDefined();
    const users = [...podSpec(sidecarStatefulSet).containers, ...(podSpec(sidecarStatefulSet).initContainers ?? [])].filter((c) => volumeOf(c));
    expect(users.map((c) => c.name).sort()).toEqual(['dind-service', 'dockerd']);
  });

  it("the proxy does not mount dockerd's data root", () => {
    expect(proxy.volumeMounts?.map((m) => m.mountPath)).not.toContain(defaults.DOCKER_DATA_ROOT);
  });

  it("the proxy starts the service the way the image's entrypoint does, minus the privileged set-up", () => {
    const script = proxy.command?.find((arg) => arg.endsWith('/bin/dind-service'));
    expect(script).toBeDefined();
    expect(readFileSync(join(repoRoot, 'docker', 'entrypoint.sh'), 'utf8')).toContain(script);
  });

  it('keeps the volume claim templates of the base, so switching topology keeps the data', () => {
    expect(sidecarStatefulSet.spec?.volumeClaimTemplates).toEqual(baseStatefulSet.spec?.volumeClaimTemplates);
    expect(sidecarStatefulSet.spec?.template.metadata?.labels).toEqual(baseStatefulSet.spec?.template.metadata?.labels);
  });
});

describe('deploy/kubernetes/base: the NetworkPolicy', () => {
  const proxy = container(baseStatefulSet, 'dind-service');
  const rules = networkPolicy.spec?.ingress ?? [];
  const admits = (rule: (typeof rules)[number], port: number) => (rule.ports ?? []).some((p: INetworkPolicyPort) => portNumber(proxy, p.port) === port);

  it('selects the dind-service pods and restricts ingress', () => {
    expect(matches(networkPolicy.spec?.podSelector.matchLabels, baseStatefulSet.spec?.template.metadata?.labels)).toBe(true);
    expect(networkPolicy.spec?.policyTypes).toContain('Ingress');
  });

  it('every rule names its ports, and only the Docker API and admin ports', () => {
    for (const rule of rules) {
      expect(rule.ports?.length).toBeGreaterThan(0);
      for (const p of rule.ports ?? []) expect([DOCKER_PORT, ADMIN_PORT]).toContain(portNumber(proxy, p.port));
    }
  });

  it('admits the admin port only from the monitoring namespace', () => {
    const adminRules = rules.filter((rule) => admits(rule, ADMIN_PORT));
    expect(adminRules.length).toBeGreaterThan(0);
    for (const rule of adminRules) {
      expect(rule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    }
  });

  it('admits the Docker API port only from pods labelled dind-service/client: "true"', () => {
    const apiRules = rules.filter((rule) => admits(rule, DOCKER_PORT));
    expect(apiRules.length).toBeGreaterThan(0);
    for (const rule of apiRules) {
      expect(rule.from?.length).toBeGreaterThan(0);
      for (const peer of rule.from ?? []) {
        expect(peer.ipBlock).toBeUndefined();
        expect(peer.podSelector?.matchLabels).toEqual({ 'dind-service/client': 'true' });
      }
    }
  });
});

describe('deploy/kubernetes: the other objects', () => {
  const proxy = container(baseStatefulSet, 'dind-service');

  it("the headless Service's ports reach the container's named ports", () => {
    for (const port of headless.spec?.ports ?? []) {
      expect(portNumber(proxy, port.targetPort)).toBe(port.port);
    }
    expect(headless.spec?.ports?.map((p) => p.name).sort()).toEqual(['admin', 'docker']);
  });

  it('the per-pod Service example serves one pod, Docker API only', () => {
    const service = only<IService>('base/service-per-pod.example.yaml', 'Service');
    expect(service.spec?.selector?.['statefulset.kubernetes.io/pod-name']).toBe('dind-service-0');
    expect(matches(service.spec?.selector, { ...baseStatefulSet.spec?.template.metadata?.labels, 'statefulset.kubernetes.io/pod-name': 'dind-service-0' })).toBe(true);
    expect(service.spec?.ports?.map((p) => portNumber(proxy, p.targetPort))).toEqual([DOCKER_PORT]);
  });

  it('the PodDisruptionBudget lets one instance go at a time', () => {
    const pdb = only<IPodDisruptionBudget>('base/poddisruptionbudget.yaml', 'PodDisruptionBudget');
    expect(pdb.spec?.maxUnavailable).toBe(1);
    expect(matches(pdb.spec?.selector?.matchLabels, baseStatefulSet.spec?.template.metadata?.labels)).toBe(true);
  });

  it('the admin-token Secret is an example with a placeholder, matching what the StatefulSet reads', () => {
    const secret = only<ISecret>('base/secret-admin-token.example.yaml', 'Secret');
    const ref = envOf(proxy).get('ADMIN_TOKEN')?.valueFrom?.secretKeyRef;
    expect(secret.metadata?.name).toBe(ref?.name);
    expect(Object.keys(secret.stringData ?? {})).toEqual([ref?.key]);
    expect(secret.stringData?.[ref!.key]).toMatch(/EXAMPLE/);
  });

  // No schema: the ServiceMonitor's CRD belongs to the Prometheus operator, and
  // kubernetes-models covers the built-in kinds only. Its shape is checked here.
  it('the ServiceMonitor scrapes /metrics on the admin port of the headless Service', () => {
    const monitor = only<ServiceMonitor>('optional/servicemonitor.yaml', 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.name).toBe('dind-service');
    expect(matches(monitor.spec.selector.matchLabels, headless.metadata?.labels)).toBe(true);
    expect(monitor.spec.namespaceSelector.matchNames).toEqual([NAMESPACE]);
    expect(monitor.spec.endpoints).toHaveLength(1);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'admin', path: '/metrics' });
    expect(headless.spec?.ports?.find((p) => p.name === monitor.spec.endpoints[0].port)?.port).toBe(ADMIN_PORT);
  });
});
