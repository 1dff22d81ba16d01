/** The pure policy (`DockerPolicy`) every admission asks. */
export const DOCKER_POLICY = 'DOCKER_POLICY';
