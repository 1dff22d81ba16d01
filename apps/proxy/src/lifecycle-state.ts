/** Shared between the applications: once set, readiness turns false. */
export class LifecycleState {
  shuttingDown = false;
}
