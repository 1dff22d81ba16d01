import { BodyKindName } from '../routes/body-kind';
import { QueryValidatorName } from '../routes/route-table';
import { validateContainerCreate } from './container-create.validator';
import {
  validateAuth,
  validateCommit,
  validateContainerStart,
  validateContainerUpdate,
  validateExecCreate,
  validateExecStart,
  validateNetworkConnect,
  validateNetworkCreate,
  validateVolumeCreate,
} from './other-body.validators';
import {
  validateBuild,
  validateBuildkit,
  validateDistribution,
  validateImageCreate,
  validateImagePush,
  validateImageSearch,
} from './query.validators';
import { Validator } from './validation-input';

export const VALIDATORS: Readonly<Record<BodyKindName | QueryValidatorName, Validator>> = {
  containerCreate: validateContainerCreate,
  containerStart: validateContainerStart,
  containerUpdate: validateContainerUpdate,
  execCreate: validateExecCreate,
  execStart: validateExecStart,
  commit: validateCommit,
  volumeCreate: validateVolumeCreate,
  networkCreate: validateNetworkCreate,
  networkConnect: validateNetworkConnect,
  auth: validateAuth,
  build: validateBuild,
  buildkit: validateBuildkit,
  imageCreate: validateImageCreate,
  imageSearch: validateImageSearch,
  imagePush: validateImagePush,
  distribution: validateDistribution,
};
