/** Where the proxy sends requests: a unix socket or a plain-HTTP TCP address. */
export type UpstreamAddress = { readonly socketPath: string } | { readonly host: string; readonly port: number };

export function parseUpstream(value: string): UpstreamAddress {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new Error(`${value}: a unix upstream needs an absolute socket path`);
    return { socketPath };
  }
  if (value.startsWith('tcp://') || value.startsWith('http://')) {
    const url = new URL(value.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  throw new Error(`${value}: expected unix:///path/to/docker.sock or tcp://host:port`);
}

export function describeUpstream(address: UpstreamAddress): string {
  return 'socketPath' in address ? `unix://${address.socketPath}` : `tcp://${address.host}:${address.port}`;
}
