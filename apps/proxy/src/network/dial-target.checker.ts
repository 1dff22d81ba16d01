import { Inject, Injectable, Optional } from '@nestjs/common';
import { deny, DialTarget, forbiddenHostReason, PolicyDenial } from '@dind/policy';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { bindProbe, LocalAddressProbe, ownAddresses } from './local-address';

/** Resolves a host name to its addresses (all of them, as the daemon's resolver could pick any). */
export type HostResolver = (name: string) => Promise<readonly string[]>;

/** Replaces DNS, in tests. */
export const HOST_RESOLVER = 'HOST_RESOLVER';

const LOOKUP_TIMEOUT_MS = 3000;

const systemResolver: HostResolver = async (name) => (await lookup(name, { all: true, verbatim: true })).map((entry) => entry.address);

export const LOCAL_ADDRESS_PROBE = 'LOCAL_ADDRESS_PROBE';

/** 'host', 'host:port', '[v6]:port' → the name or address alone. */
function hostNameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  return host.split(':').length === 2 ? host.slice(0, host.indexOf(':')) : host;
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Checks the hosts a request makes the daemon dial (registries, import and
 * remote-context URLs, login addresses), after the policy has checked their
 * spelling: each name is resolved, and any address that is loopback,
 * unspecified, link-local (cloud metadata) or one of this namespace's own
 * interface addresses (the inner bridges' gateways reach the proxy itself)
 * refuses the request. A name that does not resolve is refused too: the daemon
 * resolves with the same resolver, so the request could not have worked, and a
 * name that resolves only later is the very trick to keep out.
 */
@Injectable()
export class DialTargetChecker {
  private readonly resolve: HostResolver;
  private readonly isLocal: LocalAddressProbe;

  constructor(@Optional() @Inject(HOST_RESOLVER) resolver?: HostResolver, @Optional() @Inject(LOCAL_ADDRESS_PROBE) probe?: LocalAddressProbe) {
    this.resolve = resolver ?? systemResolver;
    this.isLocal = probe ?? bindProbe;
  }

  async check(targets: readonly DialTarget[]): Promise<PolicyDenial | undefined> {
    for (const target of targets) {
      const denial = await this.checkOne(target);
      if (denial) return denial;
    }
    return undefined;
  }

  private async checkOne(target: DialTarget): Promise<PolicyDenial | undefined> {
    const own = ownAddresses();
    const asWritten = forbiddenHostReason(target.host, own);
    if (asWritten) return deny('remote-address', asWritten, target.field, target.value);
    const name = hostNameOf(target.host);
    if (isIP(name) !== 0) {
      return (await this.isLocal(name)) ? deny('remote-address', "the service's own addresses are not allowed", target.field, target.value) : undefined;
    }
    let addresses: readonly string[];
    try {
      addresses = await withDeadline(this.resolve(name), LOOKUP_TIMEOUT_MS);
    } catch (error) {
      return deny('remote-address', `the host ${name} could not be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}), so it cannot be checked`, target.field, target.value);
    }
    if (addresses.length === 0) return deny('remote-address', `the host ${name} resolves to no address`, target.field, target.value);
    for (const address of addresses) {
      const reason = forbiddenHostReason(address, own) ?? ((await this.isLocal(address)) ? "the service's own addresses are not allowed" : undefined);
      if (reason) return deny('remote-address', `${name} resolves to ${address}: ${reason}`, target.field, target.value);
    }
    return undefined;
  }
}
