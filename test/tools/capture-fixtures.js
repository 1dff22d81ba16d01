#!/usr/bin/env node
'use strict';
/**
 * Drives real Docker clients against test/tools/capture-server.js and writes what
 * they sent as golden fixtures under test/fixtures/{allowed,denied}/.
 *
 *   node test/tools/capture-fixtures.js [--only <substring>] [--keep <dir>]
 *
 * Needs no daemon. Clients used when present:
 *   /usr/bin/docker        (docker.io 20.10)      against a server announcing API 1.41
 *   /usr/local/bin/docker  (28.x)                 against 1.41 and 1.52
 *   dockerode              DOCKERODE_DIR=<dir with node_modules/dockerode> (installed outside the repo)
 *   docker-compose         (v1, Debian package)   against 1.41
 * --keep <dir> keeps every raw capture (JSON lines) there.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures');
const SERVER = path.join(__dirname, 'capture-server.js');
const COMPOSE_ROOT = '/tmp/compose-capture';
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const keep = args.includes('--keep') ? path.resolve(args[args.indexOf('--keep') + 1]) : undefined;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-fixtures-'));
const dockerConfig = path.join(work, 'docker-config');
fs.mkdirSync(dockerConfig);
fs.writeFileSync(path.join(work, 'app.env'), 'APP_MODE=production\nAPP_GREETING=hello world\n');
fs.writeFileSync(path.join(work, 'labels.txt'), 'team=platform\ncom.example.tier=web\n');
fs.mkdirSync(path.join(work, 'ctx'));
fs.writeFileSync(path.join(work, 'ctx', 'Dockerfile'), 'FROM img\nRUN true\n');
if (keep) fs.mkdirSync(keep, { recursive: true });

// ---------------------------------------------------------------- cases

const IMG = 'img';
const isCreate = (e) => e.method === 'POST' && /\/containers\/create$/.test(e.pathname);
const isExec = (e) => e.method === 'POST' && /\/containers\/[^/]+\/exec$/.test(e.pathname);
const endsWith = (method, suffix) => (e) => e.method === method && e.pathname.endsWith(suffix);

const MANY_FLAGS = [
  '--name', 'web', '-e', 'FOO=bar', '--env-file', 'app.env', '-l', 'tier=web', '--label-file', 'labels.txt',
  '-w', '/app', '-u', '1000:1000', '--read-only', '--tmpfs', '/tmp:size=64m',
  '-v', 'namedvol:/data', '-v', 'namedvol2:/ro:ro', '--mount', 'type=volume,src=v3,dst=/m', '--mount', 'type=tmpfs,dst=/t',
  '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '100',
  '--restart', 'on-failure:3', '--network', 'mynet', '--network-alias', 'x', '--dns', '1.1.1.1', '--add-host', 'a:10.0.0.1',
  '--init', '--stop-signal', 'SIGINT', '--stop-timeout', '5', '--health-cmd', 'true', '--log-opt', 'max-size=1m',
  '-it', '--entrypoint', 'sh', '--hostname', 'h', '--ulimit', 'nofile=1024:1024', '--shm-size', '64m',
];

/** Container-create cases: [short name, flags, denied field or undefined]. */
const CREATE_CASES = [
  ['plain', [], undefined],
  ['many-flags', MANY_FLAGS, undefined],
  ['detach-rm', ['-d', '--rm'], undefined],
  ['expose-only', ['--expose', '80'], undefined],
  ['privileged', ['--privileged'], 'HostConfig.Privileged'],
  ['cap-add-sys-admin', ['--cap-add', 'SYS_ADMIN'], 'HostConfig.CapAdd'],
  ['cap-add-all', ['--cap-add', 'ALL'], 'HostConfig.CapAdd'],
  ['bind-root', ['-v', '/:/host'], 'HostConfig.Binds[0]'],
  ['bind-etc-ro', ['-v', '/etc:/etc:ro'], 'HostConfig.Binds[0]'],
  ['mount-bind-root', ['--mount', 'type=bind,src=/,dst=/h'], 'HostConfig.Mounts[0].Type'],
  ['mount-volume-opt-bind', ['--mount', 'type=volume,src=v4,dst=/m,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc'], 'HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options'],
  ['device-sda', ['--device', '/dev/sda'], 'HostConfig.Devices'],
  ['net-host', ['--net', 'host'], 'HostConfig.NetworkMode'],
  ['pid-host', ['--pid', 'host'], 'HostConfig.PidMode'],
  ['ipc-host', ['--ipc', 'host'], 'HostConfig.IpcMode'],
  ['uts-host', ['--uts', 'host'], 'HostConfig.UTSMode'],
  ['userns-host', ['--userns', 'host'], 'HostConfig.UsernsMode'],
  ['cgroupns-host', ['--cgroupns', 'host'], 'HostConfig.CgroupnsMode'],
  ['seccomp-unconfined', ['--security-opt', 'seccomp=unconfined'], 'HostConfig.SecurityOpt[0]'],
  ['apparmor-unconfined', ['--security-opt', 'apparmor=unconfined'], 'HostConfig.SecurityOpt[0]'],
  ['label-disable', ['--security-opt', 'label=disable'], 'HostConfig.SecurityOpt[0]'],
  // The CLI turns systempaths=unconfined into empty MaskedPaths/ReadonlyPaths (checked below).
  ['systempaths-unconfined', ['--security-opt', 'systempaths=unconfined'], 'HostConfig.MaskedPaths'],
  ['sysctl-ip-forward', ['--sysctl', 'net.ipv4.ip_forward=1'], 'HostConfig.Sysctls'],
  ['cgroup-parent-root', ['--cgroup-parent', '/'], 'HostConfig.CgroupParent'],
  ['runtime-foo', ['--runtime', 'foo'], 'HostConfig.Runtime'],
  ['oom-score-adj', ['--oom-score-adj=-1000'], 'HostConfig.OomScoreAdj'],
  ['publish-8080', ['-p', '8080:80'], 'HostConfig.PortBindings'],
  ['publish-all', ['--expose', '80', '-P'], 'HostConfig.PublishAllPorts'],
  ['log-driver-syslog', ['--log-driver', 'syslog', '--log-opt', 'syslog-address=tcp://127.0.0.1:1'], 'HostConfig.LogConfig.Type'],
  ['volume-driver-foo', ['--volume-driver', 'foo'], 'HostConfig.VolumeDriver'],
  ['gpus-all', ['--gpus', 'all'], 'HostConfig.DeviceRequests'],
  ['device-cgroup-rule', ['--device-cgroup-rule', 'c 1:3 mr'], 'HostConfig.DeviceCgroupRules'],
];

/** Every create case with `docker run`; the allowed ones and --privileged also with `docker create`. */
function cliCases() {
  const cases = [];
  for (const [name, flags, field] of CREATE_CASES) {
    const cmd = name === 'plain' ? [] : name === 'many-flags' ? ['-c', 'echo hi'] : ['true'];
    cases.push({ name: `run-${name}`, argv: ['run', ...flags, IMG, ...cmd], tty: flags.includes('-it'), pick: isCreate, field });
    if (field === undefined || name === 'privileged') {
      const createFlags = flags.filter((flag) => flag !== '-d' && flag !== '--rm');
      if (name !== 'detach-rm') cases.push({ name: `create-${name}`, argv: ['create', ...createFlags, IMG, ...cmd], pick: isCreate, field });
    }
  }
  cases.push(
    { name: 'exec', argv: ['exec', 'c', 'true'], pick: isExec },
    { name: 'exec-privileged', argv: ['exec', '--privileged', 'c', 'true'], pick: isExec, field: 'Privileged' },
    { name: 'exec-user-root', argv: ['exec', '-u', '0', 'c', 'true'], pick: isExec },
    { name: 'volume-create', argv: ['volume', 'create', '--name', 'vol'], pick: endsWith('POST', '/volumes/create') },
    {
      name: 'volume-create-short-name',
      argv: ['volume', 'create', '--name', 'v'],
      pick: endsWith('POST', '/volumes/create'),
      field: 'Name',
      note: 'not dangerous, but dockerd itself refuses one-character volume names ("volume name is too short, names should be at least two alphanumeric characters"); the policy applies the same name rule',
    },
    {
      name: 'volume-create-bind-opts',
      argv: ['volume', 'create', '--driver', 'local', '--opt', 'type=none', '--opt', 'o=bind', '--opt', 'device=/etc', 'v2'],
      pick: endsWith('POST', '/volumes/create'),
      field: 'DriverOpts',
    },
    { name: 'network-create', argv: ['network', 'create', 'n'], pick: endsWith('POST', '/networks/create') },
    { name: 'network-create-macvlan', argv: ['network', 'create', '-d', 'macvlan', '-o', 'parent=eth0', 'm'], pick: endsWith('POST', '/networks/create'), field: 'Driver' },
    { name: 'network-connect', argv: ['network', 'connect', 'n', 'c'], pick: endsWith('POST', '/connect') },
    { name: 'network-connect-alias', argv: ['network', 'connect', '--alias', 'db', 'n', 'c'], pick: endsWith('POST', '/connect') },
    { name: 'update-memory', argv: ['update', '--memory', '128m', 'c'], pick: endsWith('POST', '/update') },
    { name: 'commit', argv: ['commit', 'c', 'snapshot:1'], pick: endsWith('POST', '/commit') },
    { name: 'build', argv: ['build', '-t', 'built:1', 'ctx'], pick: endsWith('POST', '/build') },
    { name: 'build-network-host', argv: ['build', '--network', 'host', 'ctx'], pick: endsWith('POST', '/build'), field: 'query.networkmode' },
    { name: 'pull', argv: ['pull', 'alpine:3.19'], pick: endsWith('POST', '/images/create') },
    { name: 'login', argv: ['login', '-u', 'u', '--password-stdin', 'registry.example.com'], stdin: 'p\n', pick: endsWith('POST', '/auth') },
  );
  return cases;
}

// ---------------------------------------------------------------- clients

function versionOf(binary) {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (run.status !== 0) return undefined;
  const match = /version ([0-9][^\s,]*)/.exec(run.stdout);
  return match ? match[1] : undefined;
}

function clients() {
  const found = [];
  const cli = (binary, apis) => {
    const version = versionOf(binary);
    if (!version) return console.warn(`skipping ${binary}: not found`);
    const plain = version.replace(/\+.*/, '');
    const minor = plain.split('.').slice(0, 2).join('.');
    for (const api of apis) {
      found.push({ client: `docker-cli-${plain}`, prefix: `docker-cli-${minor}`, api, cases: cliCases(), run: (c, host) => runDocker(binary, c, host), binary, version });
    }
  };
  cli('/usr/bin/docker', ['1.41']);
  cli('/usr/local/bin/docker', ['1.41', '1.52']);

  const dockerodeDir = process.env.DOCKERODE_DIR;
  if (dockerodeDir && fs.existsSync(path.join(dockerodeDir, 'node_modules', 'dockerode'))) {
    const version = JSON.parse(fs.readFileSync(path.join(dockerodeDir, 'node_modules', 'dockerode', 'package.json'), 'utf8')).version;
    for (const apiOption of [undefined, 'v1.41']) {
      found.push({
        client: `dockerode-${version}`,
        prefix: `dockerode-${version.split('.').slice(0, 2).join('.')}`,
        api: '1.41',
        fileApi: apiOption ? undefined : 'unversioned',
        cases: dockerodeCases(apiOption),
        run: (c, host) => runDockerode(dockerodeDir, c, host),
        version,
      });
    }
  } else {
    console.warn('skipping dockerode: set DOCKERODE_DIR to a directory where `npm install dockerode` was run');
  }

  const compose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (compose.status === 0) {
    const version = compose.stdout.trim();
    found.push({
      client: `docker-compose-${version}`,
      prefix: `docker-compose-${version.split('.').slice(0, 2).join('.')}`,
      api: '1.41',
      stubs: 'compose',
      cases: composeCases(),
      run: (c, host) => runCompose(c, host),
      version,
    });
  } else {
    console.warn('skipping docker-compose: not installed');
  }
  return found;
}

// ---------------------------------------------------------------- dockerode

function dockerodeCases(apiOption) {
  const typical = {
    Image: 'img',
    Cmd: ['sh', '-c', 'echo hello'],
    Tty: true,
    HostConfig: { Binds: ['appdata:/data'], Memory: 64 * 1024 * 1024 },
  };
  const privileged = { Image: 'img', Cmd: ['true'], HostConfig: { Privileged: true } };
  const code = (options) => `docker.createContainer(${JSON.stringify(options)})`;
  const ctor = apiOption ? `new Docker({ version: '${apiOption}' })` : 'new Docker()';
  return [
    { name: 'create-typical', script: code(typical), ctor, pick: isCreate },
    { name: 'create-named', script: code({ name: 'web', ...typical }), ctor, pick: isCreate },
    { name: 'create-privileged', script: code(privileged), ctor, pick: isCreate, field: 'HostConfig.Privileged' },
  ];
}

function runDockerode(dir, c, host) {
  const source = [
    `const Docker = require(${JSON.stringify(path.join(dir, 'node_modules', 'dockerode'))});`,
    `const docker = ${c.ctor};`,
    `${c.script}.then((r) => console.log('created', r.id), (e) => { console.error(String(e)); process.exitCode = 1; });`,
  ].join('\n');
  c.command = `const docker = ${c.ctor}; await ${c.script}`;
  return run(process.execPath, ['-e', source], { env: { DOCKER_HOST: host } });
}

// ---------------------------------------------------------------- docker-compose

function composeCases() {
  const typical = [
    'version: "3.8"',
    'services:',
    '  web:',
    '    image: img',
    '    command: ["sh", "-c", "echo hello"]',
    '    environment:',
    '      - APP_MODE=production',
    '    volumes:',
    '      - appdata:/data',
    '    mem_limit: 64m',
    '    restart: unless-stopped',
    'volumes:',
    '  appdata: {}',
    '',
  ].join('\n');
  const privileged = ['version: "3.8"', 'services:', '  web:', '    image: img', '    privileged: true', ''].join('\n');
  return [
    {
      name: 'up-typical',
      file: typical,
      picks: [
        { name: 'up-typical-network-create', pick: endsWith('POST', '/networks/create') },
        { name: 'up-typical-volume-create', pick: endsWith('POST', '/volumes/create') },
        { name: 'up-typical', pick: isCreate },
        { name: 'up-typical-network-connect', pick: endsWith('POST', '/connect') },
      ],
    },
    { name: 'up-privileged', file: privileged, picks: [{ name: 'up-privileged', pick: isCreate, field: 'HostConfig.Privileged' }] },
  ];
}

function runCompose(c, host) {
  // A fixed, neutral directory: compose records it in a label (com.docker.compose.project.working_dir).
  const dir = path.join(COMPOSE_ROOT, c.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'docker-compose.yml'), c.file);
  c.command = 'docker-compose -p capture up -d --no-build';
  c.composeFile = c.file;
  return run('docker-compose', ['-p', 'capture', 'up', '-d', '--no-build'], { cwd: dir, env: { DOCKER_HOST: host } });
}

// ---------------------------------------------------------------- running

const shellQuote = (word) => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

function runDocker(binary, c, host) {
  const line = ['docker', ...c.argv].map(shellQuote).join(' ');
  c.command = c.stdin ? `echo ${c.stdin.trim()} | ${line}` : line;
  const env = { DOCKER_HOST: host, DOCKER_CONFIG: dockerConfig, DOCKER_CLI_HINTS: 'false' };
  if (c.tty) {
    // `docker run -it` refuses to start without a terminal; give it a pseudo-terminal.
    const inner = `stty cols 120 rows 40; ${[binary, ...c.argv].map(shellQuote).join(' ')}`;
    return run('script', ['-qec', inner, '/dev/null'], { env });
  }
  return run(binary, c.argv, { env, stdin: c.stdin });
}

function run(file, argv, { env = {}, cwd = work, stdin } = {}) {
  return new Promise((resolve) => {
    const child = spawn(file, argv, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function startServer(captureFile, apiVersion, stubs) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, CAPTURE_FILE: captureFile, CAPTURE_API_VERSION: apiVersion, CAPTURE_PORT: '0', CAPTURE_STUBS: stubs || '' };
    const child = spawn(process.execPath, [SERVER], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    child.stdout.on('data', (d) => {
      buffered += d;
      const newline = buffered.indexOf('\n');
      if (newline !== -1) resolve({ child, address: JSON.parse(buffered.slice(0, newline)).listening });
    });
    child.on('exit', (code) => reject(new Error(`capture server exited ${code}`)));
  });
}

const stopServer = (child) =>
  new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });

// ---------------------------------------------------------------- fixtures

function readCapture(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const entry = JSON.parse(line);
      const url = new URL(entry.url, 'http://capture');
      entry.pathname = url.pathname;
      return entry;
    });
}

const KEPT_HEADERS = ['content-type', 'x-registry-auth', 'x-registry-config'];

function toRequest(entry, warnings) {
  const at = entry.url.indexOf('?');
  const headers = {};
  for (const name of KEPT_HEADERS) if (entry.headers[name] !== undefined) headers[name] = entry.headers[name];
  let body = null;
  if (entry.body !== null && entry.body !== '') {
    body = JSON.parse(entry.body);
    // JSON.parse keeps key order except for array-index-like keys, which it moves first.
    const indexKey = findIndexKey(body);
    if (indexKey) warnings.push(`key ${indexKey} looks like an array index: JSON.parse may have moved it`);
  }
  const request = {
    method: entry.method,
    path: at === -1 ? entry.url : entry.url.slice(0, at),
    query: at === -1 ? '' : entry.url.slice(at + 1),
    headers,
    body,
  };
  // body null with bodyLength 0: nothing was sent; with a JSON content type and bodyLength > 0: the
  // client sent the JSON literal `null`; otherwise (bodyOmitted) a non-JSON body such as a build context.
  request.bodyLength = entry.bodyLength;
  if (entry.bodyOmitted) request.bodyOmitted = true;
  return request;
}

function findIndexKey(value, at = '') {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (!Array.isArray(value) && /^(0|[1-9]\d{0,8})$/.test(key) && Object.keys(value).length > 1) return `${at}${key}`;
    const found = findIndexKey(inner, `${at}${key}.`);
    if (found) return found;
  }
  return undefined;
}

/** `HostConfig.Binds[0]`-style paths, or `query.<name>`. */
function valueAt(request, field) {
  if (field.startsWith('query.')) return new URLSearchParams(request.query).get(field.slice(6)) ?? undefined;
  let current = request.body;
  for (const part of field.split('.')) {
    const match = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    if (current === null || typeof current !== 'object') return undefined;
    current = current[match[1]];
    if (match[2] !== undefined) current = Array.isArray(current) ? current[Number(match[2])] : undefined;
  }
  return current;
}

async function main() {
  const found = clients();
  let written = 0;
  const summary = [];
  for (const setup of found) {
    for (const c of setup.cases) {
      const picks = c.picks || [{ name: c.name, pick: c.pick, field: c.field }];
      if (only && !picks.some((p) => `${setup.prefix}-${setup.api}-${p.name}`.includes(only))) continue;
      const captureFile = path.join(work, 'capture.jsonl');
      fs.rmSync(captureFile, { force: true });
      const { child, address } = await startServer(captureFile, setup.api, setup.stubs);
      const result = await setup.run(c, address);
      await stopServer(child);
      const entries = readCapture(captureFile);
      const tag = `${setup.prefix}@${setup.api} ${c.name}`;
      if (keep) fs.copyFileSync(captureFile, path.join(keep, `${setup.prefix}-${setup.api}${setup.fileApi ? `-${setup.fileApi}` : ''}-${c.name}.jsonl`));
      for (const p of picks) {
        const entry = entries.find(p.pick);
        if (!entry) {
          console.warn(`!! ${tag} / ${p.name}: no matching request (exit ${result.code})\n${result.output.trim().split('\n').slice(-3).join('\n')}`);
          summary.push(`MISSING ${tag} ${p.name}`);
          continue;
        }
        const warnings = [];
        const request = toRequest(entry, warnings);
        const pathVersion = /^\/v(\d+\.\d+)\//.exec(request.path);
        const fileApi = setup.fileApi || (pathVersion ? `v${pathVersion[1]}` : 'unversioned');
        const fixture = { client: setup.client, command: c.command, request };
        if (c.composeFile) fixture.composeFile = c.composeFile;
        if (c.note) fixture.note = c.note;
        if (setup.api && (!pathVersion || pathVersion[1] !== setup.api)) fixture.serverApiVersion = setup.api;
        fixture.expect = p.field ? { decision: 'deny', field: p.field } : { decision: 'allow' };
        if (p.field) {
          const value = valueAt(request, p.field);
          if (value === undefined || value === null || value === '' || value === false) warnings.push(`denied field ${p.field} is ${JSON.stringify(value)}`);
        }
        const dir = p.field ? 'denied' : 'allowed';
        const suffix = setup.api !== (pathVersion && pathVersion[1]) && setup.api === '1.52' ? '-server1.52' : '';
        const file = path.join(FIXTURES, dir, `${setup.prefix}-${fileApi}${suffix}-${p.name}.json`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
        written += 1;
        for (const w of warnings) console.warn(`!! ${tag} / ${p.name}: ${w}`);
        console.log(`${dir}/${path.basename(file)}`);
      }
    }
  }
  console.log(`${written} fixtures written`);
  for (const line of summary) console.log(line);
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(COMPOSE_ROOT, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
