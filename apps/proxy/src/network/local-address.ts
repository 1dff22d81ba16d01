import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Whether an address belongs to this network namespace (which is the daemon's too). */
export type LocalAddressProbe = (address: string) => Promise<boolean>;

// os.networkInterfaces() leaves out interfaces that are down, such as an inner
// bridge without containers, yet the daemon can still dial their addresses (and
// reach the proxy through them). Binding tells exactly: only a local address
// can be bound.
export const bindProbe: LocalAddressProbe = (address) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port: 0, exclusive: true }, () => server.close(() => resolve(true)));
  });

/** The addresses of the interfaces that are up: the cheap first look. */
export const ownAddresses = (): string[] =>
  Object.values(networkInterfaces())
    .flat()
    .map((info) => info?.address)
    .filter((address): address is string => !!address);
