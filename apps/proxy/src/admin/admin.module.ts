import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DockerdSupervisor } from '@dind/daemon';
import { LifecycleState } from '../lifecycle-state';
import { DaemonHealthIndicator } from './daemon.health';
import { HealthController } from './health.controller';

/** Operators' API on ADMIN_PORT: never the Docker API's listener. */
@Module({})
export class AdminModule {
  static forRoot(options: { supervisor: DockerdSupervisor; lifecycle: LifecycleState }): DynamicModule {
    return {
      module: AdminModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        { provide: DockerdSupervisor, useValue: options.supervisor },
        { provide: LifecycleState, useValue: options.lifecycle },
        DaemonHealthIndicator,
      ],
    };
  }
}
