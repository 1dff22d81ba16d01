import { Module } from '@nestjs/common';
import { ConfigurableModuleClass } from './daemon-options';
import { DockerdSupervisor } from './dockerd.supervisor';
import { ProcessRunner } from './process-runner';

@Module({
  providers: [ProcessRunner, DockerdSupervisor],
  exports: [DockerdSupervisor],
})
export class DaemonModule extends ConfigurableModuleClass {}
