export * from './daemon-config';
export * from './daemon-get';
export * from './daemon-options';
export * from './daemon.module';
export * from './dockerd.supervisor';
export * from './docker-ping';
export * from './process-runner';
export * from './upstream-address';
