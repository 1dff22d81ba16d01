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
