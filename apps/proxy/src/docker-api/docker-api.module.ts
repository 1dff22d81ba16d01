import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { DialTargetChecker } from '../network/dial-target.checker';
import { ContainerCountChecker } from './container-count.checker';
import { ContainerReferenceChecker } from './container-reference.checker';
import { AdmissionGate } from './admission-gate';
import { DaemonSideChecks } from './daemon-side.checks';
import { DenialReporter } from './denial-reporter';
import { ImageLoadChecker } from './image-load/image-load.checker';
import { NetworkReferenceChecker } from './network-reference.checker';
import { OwnershipChecker } from './ownership.checker';
import { BuildImageChecker } from './build-image.checker';
import { ImageNameLocks } from './image-name-locks';
import { VolumeReferenceChecker } from './volume-reference.checker';
import { DOCKER_API_OPTIONS, DockerApiOptions } from './docker-api.tokens';
import { AppConfig } from '../config/app-config';
import { fromCore } from '../core/core.module';
import { DockerPolicyGuard } from './docker-policy.guard';
import { DockerProxyController } from './docker-proxy.controller';
import { HijackHandler } from './hijack.handler';
import { UpstreamProxy } from './upstream-proxy.service';

/** The proxied Docker API: its own Nest application on its own listeners, on the core's shared services. */
@Module({})
export class DockerApiModule {
  static forRoot(core: INestApplicationContext): DynamicModule {
    const config = core.get(AppConfig);
    const options: DockerApiOptions = { maxJsonBodyBytes: config.MAX_JSON_BODY_BYTES, bodyTimeoutMs: config.BODY_TIMEOUT_MS };
    return {
      module: DockerApiModule,
      providers: [
        ...fromCore(core),
        { provide: DOCKER_API_OPTIONS, useValue: options },
        DialTargetChecker,
        ContainerReferenceChecker,
        ContainerCountChecker,
        VolumeReferenceChecker,
        NetworkReferenceChecker,
        OwnershipChecker,
        BuildImageChecker,
        ImageNameLocks,
        DaemonSideChecks,
        ImageLoadChecker,
        DenialReporter,
        AdmissionGate,
        DockerPolicyGuard,
        UpstreamProxy,
        HijackHandler,
        // Called by the listeners through controllerListener, not through a router.
        DockerProxyController,
      ],
    };
  }
}
