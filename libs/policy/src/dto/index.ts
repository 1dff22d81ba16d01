// class-validator DTOs of every validated body (1.24–1.52): the body validators read
// each body through them (validators/body-validator.ts). spec-coverage.dto.spec.ts
// pins them to the shapes generated from the specs (../shapes/body-shapes.json).
export * from './validate-dto';
export * from './docker-validation.decorators';
export { dtoFieldNames } from './shape-violations';
export * from './auth-config.dto';
export * from './blkio-device.dto';
export * from './cluster-volume-spec.dto';
export * from './container-config.dto';
export * from './container-create.dto';
export * from './container-update.dto';
export * from './device-mapping.dto';
export * from './device-request.dto';
export * from './endpoint-ipam-config.dto';
export * from './endpoint-settings.dto';
export * from './exec-config.dto';
export * from './exec-start-config.dto';
export * from './health-config.dto';
export * from './host-config.dto';
export * from './ipam.dto';
export * from './log-config.dto';
export * from './mount-options.dto';
export * from './mount.dto';
export * from './network-connect-request.dto';
export * from './network-create-request.dto';
export * from './networking-config.dto';
export * from './port-binding.dto';
export * from './resources.dto';
export * from './restart-policy.dto';
export * from './ulimit.dto';
export * from './volume-create-request.dto';
