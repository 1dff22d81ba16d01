import { Finding, isEmptyList } from './field-rule';

/**
 * An ONBUILD trigger is not run where it is set: it is stored in the image and
 * runs in whichever later build names the image as its base — perhaps someone
 * else's, perhaps a BuildKit or remote-context build the proxy does not
 * inspect, and always with that build's variables and that day's DNS answers.
 * No check made when it is set can stand for what it will do then, so setting
 * one outside a Dockerfile (create and commit bodies, commit/import `changes`)
 * is refused. A Dockerfile's own ONBUILD lines are inspected with the build.
 */
export const ONBUILD_REASON =
  'ONBUILD plants instructions that run in a later build of another image, where they cannot be checked; write ONBUILD in a Dockerfile built through this service instead';

/** `OnBuild` of a container's Config (create, commit body). */
export const checkOnBuild = (value: unknown): Finding | undefined => (isEmptyList(value) ? undefined : { reason: ONBUILD_REASON, value });
