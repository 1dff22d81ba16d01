import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full collection once start-up is over. Loading the modules and Nest's
 * scanning leave some 17 MiB of garbage that an idle service keeps mapped:
 * V8 collects the old generation when it grows, and an idle service does not
 * grow. The collector is exposed in a throwaway context only: `gc` never
 * becomes a global of the service.
 */
export function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
