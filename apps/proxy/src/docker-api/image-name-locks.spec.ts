import { EVERY_IMAGE_NAME } from '@dind/policy';
import { ImageNameLocks } from './image-name-locks';

const A = 'docker.io/library/app:1';
const B = 'docker.io/library/base:1';

describe('image name locks (ownership mode)', () => {
  it('lets builds read a name together, and refuses to move it until the last of them ends', () => {
    const locks = new ImageNameLocks();
    const first = locks.take([A], 'read', 'build-1');
    const second = locks.take([A, B], 'read', 'build-2');
    expect(typeof first).toBe('function');
    expect(typeof second).toBe('function');
    expect(locks.take([A], 'move', 'tag-1')).toEqual({ conflict: A });
    (first as () => void)();
    expect(locks.take([A], 'move', 'tag-1')).toEqual({ conflict: A });
    (second as () => void)();
    expect(typeof locks.take([A], 'move', 'tag-1')).toBe('function');
  });

  it('refuses a read while the name moves, and a second move of it', () => {
    const locks = new ImageNameLocks();
    const moving = locks.take([B], 'move', 'pull-1') as () => void;
    expect(locks.take([A, B], 'read', 'build-1')).toEqual({ conflict: B });
    expect(locks.take([B], 'move', 'tag-1')).toEqual({ conflict: B });
    moving();
    expect(typeof locks.take([A, B], 'read', 'build-1')).toBe('function');
  });

  it('lets one request read and move the same name (a build of -t app FROM app)', () => {
    const locks = new ImageNameLocks();
    expect(typeof locks.take([A], 'move', 'build-1')).toBe('function');
    expect(typeof locks.take([A], 'read', 'build-1')).toBe('function');
    expect(locks.take([A], 'read', 'build-2')).toEqual({ conflict: A });
  });

  it('treats a prune as moving every name', () => {
    const locks = new ImageNameLocks();
    const read = locks.take([A], 'read', 'build-1') as () => void;
    expect(locks.take([EVERY_IMAGE_NAME], 'move', 'prune-1')).toEqual({ conflict: A });
    read();
    const prune = locks.take([EVERY_IMAGE_NAME], 'move', 'prune-1') as () => void;
    expect(locks.take([B], 'read', 'build-2')).toEqual({ conflict: EVERY_IMAGE_NAME });
    prune();
    expect(typeof locks.take([B], 'read', 'build-2')).toBe('function');
  });

  it('releases once, whatever calls it twice', () => {
    const locks = new ImageNameLocks();
    const first = locks.take([A], 'read', 'build-1') as () => void;
    const second = locks.take([A], 'read', 'build-2') as () => void;
    first();
    first();
    expect(locks.take([A], 'move', 'tag-1')).toEqual({ conflict: A });
    second();
    expect(typeof locks.take([A], 'move', 'tag-1')).toBe('function');
  });
});
