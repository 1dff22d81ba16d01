import { AppConfig } from './app-config';

/** Where the TLS listener's certificates come from. */
export type TlsSource =
  | { readonly kind: 'certdir'; readonly dir: string; readonly extraNames: readonly string[] }
  | { readonly kind: 'files'; readonly cert: string; readonly key: string; readonly ca: string };

/** docker:dind's ports: TLS on 2376, plain on 2375 (PORT, when set, wins). */
export const TLS_DEFAULT_PORT = '2376';

/** DOCKER_TLS_SAN as a list (`DNS:a IP:b`, space or comma separated). */
export function extraServerNames(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

export function tlsSourceOf(config: AppConfig): TlsSource | undefined {
  if (config.DOCKER_TLS_CERTDIR !== '') return { kind: 'certdir', dir: config.DOCKER_TLS_CERTDIR, extraNames: extraServerNames(config.DOCKER_TLS_SAN) };
  if (config.TLS_CERT !== '') return { kind: 'files', cert: config.TLS_CERT, key: config.TLS_KEY, ca: config.TLS_CA };
  return undefined;
}

/**
 * Half a TLS configuration is refused rather than completed: a listener
 * without client verification, or plain TCP where the operator asked for TLS,
 * would hand the API to anyone who can reach the port.
 */
export function tlsProblems(config: AppConfig): string[] {
  const problems: string[] = [];
  const own = { TLS_CERT: config.TLS_CERT, TLS_KEY: config.TLS_KEY, TLS_CA: config.TLS_CA };
  const given = Object.entries(own).filter(([, value]) => value !== '');
  if (given.length > 0 && given.length < 3) {
    const missing = Object.keys(own).filter((name) => own[name as keyof typeof own] === '');
    problems.push(`${given.map(([name]) => name).join(', ')} set without ${missing.join(', ')}: the own-PKI TLS settings go together (TLS_CA is what client certificates are verified against)`);
  }
  if (given.length > 0 && config.DOCKER_TLS_CERTDIR !== '') {
    problems.push(`DOCKER_TLS_CERTDIR=${config.DOCKER_TLS_CERTDIR} and TLS_CERT/TLS_KEY/TLS_CA: choose one source of certificates`);
  }
  if ((config.DOCKER_TLS_CERTDIR !== '' || given.length > 0) && config.PORT === '') {
    problems.push('PORT="": TLS is configured but the TCP listener is off (the unix socket never speaks TLS)');
  }
  return problems;
}
