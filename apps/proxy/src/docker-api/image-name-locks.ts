import { Injectable } from '@nestjs/common';
import { deny, EVERY_IMAGE_NAME, OWNERSHIP_RULE, PolicyDenial } from '@dind/policy';

type Use = 'read' | 'move';

interface Holder {
  readonly use: Use;
  readonly by: string;
}

/**
 * Ownership mode: the image names builds in progress read, and those other
 * requests are moving. The classic builder looks a base image up by name when
 * its stage starts, long after the proxy checked it (and its ONBUILD
 * triggers); a client that moved the name in between would have the build run
 * an image nobody checked. So a name a build reads cannot move until the build
 * ends, and a build cannot read a name while it moves. Two moves of one name
 * at once are refused too (a build's own `-t`, its cache source, is one).
 * In memory: one service in front of one daemon.
 */
@Injectable()
export class ImageNameLocks {
  private readonly holders = new Map<string, Holder[]>();

  /** The release, or the name some other request holds in a way that conflicts. */
  take(keys: readonly string[], use: Use, by: string): (() => void) | { readonly conflict: string } {
    for (const key of keys) {
      const conflict = this.conflictFor(key, use, by);
      if (conflict !== undefined) return { conflict };
    }
    const taken = [...new Set(keys)];
    for (const key of taken) this.holders.set(key, [...(this.holders.get(key) ?? []), { use, by }]);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of taken) {
        const holders = this.holders.get(key) ?? [];
        holders.splice(holders.findIndex((holder) => holder.use === use && holder.by === by), 1);
        if (holders.length === 0) this.holders.delete(key);
      }
    };
  }

  private conflictFor(key: string, use: Use, by: string): string | undefined {
    const others = (name: string) => (this.holders.get(name) ?? []).filter((holder) => holder.by !== by);
    // A read conflicts with a move; a move with anything.
    const clashes = (holder: Holder) => use === 'move' || holder.use === 'move';
    if (others(EVERY_IMAGE_NAME).some(clashes)) return EVERY_IMAGE_NAME;
    if (key === EVERY_IMAGE_NAME) {
      for (const [name, holders] of this.holders) if (holders.some((holder) => holder.by !== by && clashes(holder))) return name;
      return undefined;
    }
    return others(key).some(clashes) ? key : undefined;
  }
}

/** What a client hears when a name it reads or moves is held: a conflict, worth trying again. */
export function nameInUse(conflict: string, field: string): PolicyDenial {
  const what = conflict === EVERY_IMAGE_NAME ? 'an image prune is in progress' : `image name ${JSON.stringify(conflict)} is read or moved by a build or an image change in progress`;
  return { ...deny(OWNERSHIP_RULE, `${what}; try again when it ends (a name may not move while a build reads it)`, field, conflict), status: 409 };
}
