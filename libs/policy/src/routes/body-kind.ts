/** The JSON request bodies the policy knows; each has a DTO in `../dto`. */
export type BodyKindName =
  | 'containerCreate'
  | 'containerStart'
  | 'containerUpdate'
  | 'execCreate'
  | 'execStart'
  | 'commit'
  | 'volumeCreate'
  | 'networkCreate'
  | 'networkConnect'
  | 'auth';

/** The bodies read through a DTO: a start body is not one of them (only none or `{}` is forwarded). */
export type DtoBodyKind = Exclude<BodyKindName, 'containerStart'>;
