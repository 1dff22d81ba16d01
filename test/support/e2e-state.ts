import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What globalSetup started, for the specs to use. */
export interface E2eState {
  readonly baseDir: string;
  readonly runDir: string;
  readonly dataRoot: string;
  readonly servicePid: number;
  readonly serviceLog: string;
  readonly tcpHost: string;
  readonly unixHost: string;
  readonly socketPath: string;
  readonly apiPort: number;
  readonly adminUrl: string;
  readonly image: string;
  readonly clis: readonly string[];
  readonly adminToken: string;
  /** What the service was started with, to start it again. */
  readonly serviceEnv: Record<string, string>;
  /** Set when the run found no docker0 and no daemon chains: the teardown removes what the run's daemon made. */
  readonly networkTraces?: { readonly forwardPolicy: string };
}

export const STATE_FILE = join(__dirname, '..', '..', '.test-run', 'state.json');

export function e2eState(): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
}
