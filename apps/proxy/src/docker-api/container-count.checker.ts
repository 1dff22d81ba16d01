import { Inject, Injectable } from '@nestjs/common';
import { DockerdSupervisor, getFromDaemon } from '@dind/daemon';
import { ContainerCountCheck, deny, DockerPolicy, PolicyDenial } from '@dind/policy';
import { DOCKER_POLICY } from '../core/core.tokens';

const LIST_TIMEOUT_MS = 5000;

/**
 * Asks the daemon how many containers it holds before a create, start or
 * restart is forwarded: one `GET /containers/json?all=1`, only for those
 * requests. Counting and forwarding are not atomic: requests in flight together
 * can pass the ceiling by their number (docs/policy.md, "Resource ceilings").
 */
@Injectable()
export class ContainerCountChecker {
  constructor(
    @Inject(DOCKER_POLICY) private readonly policy: DockerPolicy,
    private readonly supervisor: DockerdSupervisor,
  ) {}

  async check(check: ContainerCountCheck): Promise<PolicyDenial | undefined> {
    // Fail closed: a count the daemon did not give is not a count under the ceiling.
    const cannot = (why: string) => deny('resources', `cannot count the daemon's containers to check the ceiling (${why})`, 'containers');
    try {
      // Unversioned: the daemon answers in its own version; Id, Names and State are in every one.
      const answer = await getFromDaemon(this.supervisor.upstream, '/containers/json?all=1', LIST_TIMEOUT_MS);
      if (answer.status !== 200) return cannot(`the daemon answered ${answer.status}`);
      return this.policy.checkContainerCount(check, answer.body);
    } catch (error) {
      return cannot((error as Error).message);
    }
  }
}
