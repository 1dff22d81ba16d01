import { OwnedObject, PolicyDenial, readDockerfile } from '@dind/policy';
import { BuildImageChecker } from './build-image.checker';
import { Inspected, OwnershipChecker } from './ownership.checker';

const ME = 'CN=runner-1';

/** The daemon's images: inspect answers by reference; absent ones are missing (the build would pull them). */
function checkerWith(images: Record<string, unknown>): BuildImageChecker {
  const ownership = {
    async check(objects: readonly OwnedObject[], _resolved?: unknown, passed?: Inspected): Promise<PolicyDenial | undefined> {
      for (const object of objects) {
        const body = images[object.ref];
        if (body === undefined) continue;
        passed?.(object, body);
      }
      return undefined;
    },
  } as unknown as OwnershipChecker;
  return new BuildImageChecker(ownership);
}

describe('BuildImageChecker', () => {
  it('takes a base image on the daemon, and a COPY --from image the daemon will pull (it runs no triggers)', async () => {
    const checker = checkerWith({ 'team/base:1': { Id: 'sha256:' + 'a'.repeat(64), Config: { OnBuild: null } } });
    await expect(checker.check(readDockerfile('FROM team/base:1\nCOPY --from=team/tools:2 /t /t\n').images, ME, () => undefined)).resolves.toBeUndefined();
  });

  it('refuses a base image that is not on the daemon: the build pulls it, and its ONBUILD triggers are not known', async () => {
    const denial = await checkerWith({}).check(readDockerfile('FROM team/base:1\n').images, ME, () => undefined);
    expect(denial).toMatchObject({ rule: 'ownership', field: 'Dockerfile:1 FROM', value: 'team/base:1' });
  });

  it('refuses a base image named with --platform: a local image of another platform is pulled, triggers and all', async () => {
    const checker = checkerWith({ 'team/base:1': { Id: 'sha256:' + 'a'.repeat(64), Config: {} } });
    const denial = await checker.check(readDockerfile('FROM --platform=linux/arm64 team/base:1\n').images, ME, () => undefined);
    expect(denial).toMatchObject({ rule: 'ownership', field: 'Dockerfile:1 FROM' });
  });

  it('holds every name it reads before inspecting it, base images\' trigger images too, and stops at a name that is moving', async () => {
    const checker = checkerWith({ 'team/base:1': { Id: 'sha256:' + 'a'.repeat(64), Config: { OnBuild: ['COPY --from=team/tools:2 /t /t'] } } });
    const held: string[][] = [];
    await expect(checker.check(readDockerfile('FROM team/base:1\n').images, ME, (references) => void held.push([...references]))).resolves.toBeUndefined();
    expect(held).toEqual([['team/base:1'], ['team/tools:2']]);
    const moving = { status: 409 as const, rule: 'ownership', reason: 'moving', field: 'Dockerfile' };
    await expect(checker.check(readDockerfile('FROM team/base:1\n').images, ME, () => moving)).resolves.toBe(moving);
  });
});
