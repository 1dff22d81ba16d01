import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
// Only the two spellings the README names; anything else stays a string and fails @IsBoolean.
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/**
 * Every setting of the service: one env var each, a default inline, validated
 * once at start-up (`loadAppConfig`). The README's configuration table mirrors
 * this class.
 */
export class AppConfig {
  /** TCP port of the proxied Docker API; '' disables TCP. */
  @ValidateIf((c: AppConfig) => c.PORT !== '')
  @Matches(/^\d{1,5}$/, { message: 'must be a port number or empty to disable TCP' })
  PORT = '2375';

  @IsString()
  HOST = '0.0.0.0';

  /** Unix socket of the proxied Docker API; '' disables it. */
  @ValidateIf((c: AppConfig) => c.SOCKET_PATH !== '')
  @Matches(/^\/.+/, { message: 'must be an absolute path or empty to disable the socket' })
  SOCKET_PATH = '/run/dind-service/docker.sock';

  @Matches(/^[0-7]{3,4}$/, { message: 'must be an octal file mode such as 660' })
  SOCKET_MODE = '660';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  ADMIN_PORT = 8080;

  @IsString()
  ADMIN_HOST = '0.0.0.0';

  /** `unix:///path` or `tcp://host:port` of an existing daemon; '' = spawn our own dockerd. */
  @ValidateIf((c: AppConfig) => c.DOCKER_UPSTREAM !== '')
  @Matches(/^(unix:\/\/\/.+|tcp:\/\/[^/]+:\d+)$/, { message: 'must be unix:///path/to/docker.sock or tcp://host:port' })
  DOCKER_UPSTREAM = '';

  @Matches(/^\/.+/, { message: 'must be an absolute path' })
  DOCKER_DATA_ROOT = '/var/lib/docker';

  /** Private (0700) directory for dockerd's own socket, exec root and pidfile. */
  @Matches(/^\/.+/, { message: 'must be an absolute path' })
  DOCKERD_RUN_DIR = '/run/dind-service-dockerd';

  @IsString()
  DOCKERD_PATH = 'dockerd';

  /** Extra dockerd arguments, split on whitespace; arguments after `--` on the command line are appended. */
  @IsString()
  DOCKERD_ARGS = '';

  /** The operator's dockerd config, read if it exists; the daemon runs with it plus the enforced builder entitlements. */
  @Matches(/^\/.+/, { message: 'must be an absolute path' })
  DOCKERD_CONFIG_FILE = '/etc/docker/daemon.json';

  @Transform(toInt) @IsInt() @Min(1000)
  DOCKERD_START_TIMEOUT_MS = 60_000;

  @Transform(toInt) @IsInt() @Min(1000)
  DOCKERD_STOP_TIMEOUT_MS = 30_000;

  @Transform(toInt) @IsInt() @Min(0)
  DOCKERD_MAX_RESTARTS = 5;

  @Transform(toInt) @IsInt() @Min(1000)
  DOCKERD_RESTART_WINDOW_MS = 300_000;

  @Transform(toInt) @IsInt() @Min(10)
  DOCKERD_RESTART_BACKOFF_MS = 1000;

  @Transform(toInt) @IsInt() @Min(10)
  DOCKERD_RESTART_BACKOFF_MAX_MS = 30_000;

  /** Once ready, dockerd is pinged this often; 0 turns the watch off. */
  @Transform(toInt) @IsInt() @Min(0)
  DOCKERD_WATCH_INTERVAL_MS = 5000;

  /** This many missed pings in a row and dockerd is restarted (counted like a crash). */
  @Transform(toInt) @IsInt() @Min(1)
  DOCKERD_WATCH_FAILURES = 3;

  /**
   * kernel: dockerd runs with DOCKERD_EGRESS_GID and iptables/ip6tables rules
   * refuse every connection that group opens to this namespace's own addresses,
   * loopback, link-local, unspecified and EGRESS_DENY_CIDRS (start-up fails if
   * they cannot be installed); off: the request-time checks alone.
   */
  @IsIn(['kernel', 'off'])
  EGRESS_ENFORCEMENT: 'kernel' | 'off' = 'kernel';

  /** The group dockerd and everything it starts run with: what the egress rules match. No group of that id needs to exist. */
  @Transform(toInt) @IsInt() @Min(1) @Max(4_294_967_294)
  DOCKERD_EGRESS_GID = 2375;

  /** More networks the daemon never dials, comma-separated (a cluster's service and pod networks). */
  @IsString()
  EGRESS_DENY_CIDRS = '';

  /**
   * namespace: on a cgroup v1 host dockerd and everything it starts (containers,
   * build steps) run in a cgroup of their own under the service's, which is the
   * root of dockerd's cgroup namespace: a cgroup parent a build names is a path
   * beneath it (start-up fails if it cannot be made). On cgroup v2 the container
   * runtime's private cgroup namespace does this. off: the service's cgroup.
   */
  @IsIn(['namespace', 'off'])
  DOCKERD_CGROUP: 'namespace' | 'off' = 'namespace';

  /** The most processes (threads included) the daemon's cgroup holds: dockerd, containerd, shims, containers and build steps together. */
  @Transform(toInt) @IsInt() @Min(256) @Max(4_194_304)
  DOCKERD_PIDS_MAX = 16_384;

  /** The daemon's cgroup's memory limit in bytes, all it runs together; 0: the service's own cgroup's limit only. */
  @Transform(toInt) @IsInt() @Min(0)
  DOCKERD_MEMORY_MAX_BYTES = 0;

  /**
   * The service's own OOM score adjustment (-1000…1000): it shares its memory
   * limit with tenant containers, and the OOM killer should pick one of those.
   */
  @Transform(({ value }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value))
  @IsInt() @Min(-1000) @Max(1000)
  SERVICE_OOM_SCORE_ADJ = -500;

  /** How long in-flight API requests may run on after SIGTERM before they are cut. */
  @Transform(toInt) @IsInt() @Min(0)
  SHUTDOWN_GRACE_MS = 10_000;

  /** Largest JSON body read for validation; larger ones get 413. */
  @Transform(toInt) @IsInt() @Min(1024)
  MAX_JSON_BODY_BYTES = 1_048_576;

  /** Kept-alive daemon connections shared by short requests (long-lived ones get their own). */
  @Transform(toInt) @IsInt() @Min(1)
  UPSTREAM_MAX_SOCKETS = 128;

  /** How long a short request waits for one of those before it gets 503. */
  @Transform(toInt) @IsInt() @Min(100)
  UPSTREAM_QUEUE_TIMEOUT_MS = 10_000;

  /** Long-lived streams (follow streams, transfers, attach, exec) the whole service holds, each a daemon connection of its own. */
  @Transform(toInt) @IsInt() @Min(1)
  MAX_STREAMS = 4096;

  /** Concurrent API connections per client (TCP: per address; the unix socket counts as one client). */
  @Transform(toInt) @IsInt() @Min(1)
  CLIENT_MAX_CONNECTIONS = 512;

  /** Pooled daemon connections one client may hold; past it, its short requests count as streams. */
  @Transform(toInt) @IsInt() @Min(1)
  CLIENT_MAX_POOLED = 32;

  /** Concurrent long-lived streams per client. */
  @Transform(toInt) @IsInt() @Min(1)
  CLIENT_MAX_STREAMS = 256;

  /** How long a client may take to send a request's headers (slowloris). */
  @Transform(toInt) @IsInt() @Min(1000)
  HEADERS_TIMEOUT_MS = 30_000;

  /** How long a request body may stop arriving while the proxy reads it (a JSON body: the whole body). */
  @Transform(toInt) @IsInt() @Min(1000)
  BODY_TIMEOUT_MS = 60_000;

  /** Largest request head (request line and headers). */
  @Transform(toInt) @IsInt() @Min(8192)
  MAX_HEADER_BYTES = 131_072;

  /** Deadline of the readiness probe's request through the forwarding pool. */
  @Transform(toInt) @IsInt() @Min(100)
  READY_TIMEOUT_MS = 2000;

  /** The service's own state: the audit database lives here. */
  @Matches(/^\/.+/, { message: 'must be an absolute path' })
  DATA_DIR = '/var/lib/dind-service';

  /** Bearer token for the audit API (and /metrics if METRICS_REQUIRE_TOKEN); '' = audit only from loopback admin listeners. */
  @IsString()
  ADMIN_TOKEN = '';

  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  METRICS_REQUIRE_TOKEN = false;

  /** Every audit record also as a JSON line on stdout. */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  AUDIT_STDOUT = true;

  @Transform(toInt) @IsInt() @Min(1)
  AUDIT_RETENTION_DAYS = 90;

  @Transform(toInt) @IsInt() @Min(100)
  AUDIT_MAX_RECORDS = 1_000_000;

  /** Bytes the audit records may use in audit.db (the WAL adds at most 16 MiB); well under the deploy manifests' 1 GiB volume. */
  @Transform(toInt) @IsInt() @Min(1_048_576)
  AUDIT_MAX_BYTES = 268_435_456;

  /** Readiness fails while audit writes fail, and a state-changing request whose record cannot be written is refused (503). */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  AUDIT_STRICT = false;

  /** A policy file (YAML or JSON) of named options on top of "restricted"; '' = restricted. */
  @IsString()
  POLICY_FILE = '';

  /** Accept API and admin connections from the inner daemon's own container networks. */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  ALLOW_CONTAINER_CLIENTS = false;

  /** How often the container networks are re-read from the daemon. */
  @Transform(toInt) @IsInt() @Min(100)
  NETWORK_REFRESH_MS = 2000;

  // --- TLS on the Docker API's TCP listener: docker:dind's contract, or the operator's own PKI ---

  /**
   * docker:dind's contract: a directory where a CA, a server and a client
   * certificate are generated on first start (`ca/`, `server/`, `client/`) and
   * reused later; the TCP listener then speaks TLS, requires a client
   * certificate and defaults to port 2376. '' = no TLS (2375, as before).
   */
  @ValidateIf((c: AppConfig) => c.DOCKER_TLS_CERTDIR !== '')
  @Matches(/^\/.+/, { message: 'must be an absolute path, or empty for no TLS' })
  DOCKER_TLS_CERTDIR = '';

  /** More names for the generated server certificate, docker:dind's spelling: `DNS:name` and `IP:address`, space or comma separated. */
  @ValidateIf((c: AppConfig) => c.DOCKER_TLS_SAN.trim() !== '')
  @Matches(/^\s*(DNS:[A-Za-z0-9*._-]+|IP:[0-9A-Fa-f.:]+)([\s,]+(DNS:[A-Za-z0-9*._-]+|IP:[0-9A-Fa-f.:]+))*[\s,]*$/, {
    message: 'must be names like "DNS:docker.example IP:10.0.0.5", separated by spaces or commas',
  })
  DOCKER_TLS_SAN = '';

  /** The operator's own PKI (cert-manager, Vault): the server certificate (PEM, chain allowed); with TLS_KEY and TLS_CA. */
  @ValidateIf((c: AppConfig) => c.TLS_CERT !== '')
  @Matches(/^\/.+/, { message: 'must be an absolute path' })
  TLS_CERT = '';

  /** The server certificate's private key (PEM). */
  @ValidateIf((c: AppConfig) => c.TLS_KEY !== '')
  @Matches(/^\/.+/, { message: 'must be an absolute path' })
  TLS_KEY = '';

  /** The CA (PEM bundle) client certificates must chain to. */
  @ValidateIf((c: AppConfig) => c.TLS_CA !== '')
  @Matches(/^\/.+/, { message: 'must be an absolute path' })
  TLS_CA = '';

  /** How often the certificate files are checked for changes; a change is served without a restart. */
  @Transform(toInt) @IsInt() @Min(100)
  TLS_RELOAD_INTERVAL_MS = 10_000;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  @IsOptional()
  @IsIn(['json', 'text'])
  LOG_FORMAT: 'json' | 'text' = 'json';

  /** Derived: DOCKERD_ARGS plus command-line arguments. */
  dockerdArgs: string[] = [];

  /** Derived: EGRESS_DENY_CIDRS, split. */
  egressDenyCidrs: string[] = [];

  /** Derived: PORT as a number; undefined when TCP is off. */
  apiPort?: number;

  /** Derived: SOCKET_MODE, octal. */
  socketMode = 0o660;
}
