import { deny, PolicyDenial } from '@dind/policy';
import { HeldTarStream } from '../tar-inspection/held-tar.stream';
import { ImageArchiveReader } from './image-archive.reader';

/** Decides on the archive once it has been read whole; undefined allows the load. */
export type ImageArchiveCheck = (archive: ImageArchiveReader) => Promise<PolicyDenial | undefined>;

const refusal = (reason: string) => deny('ownership', reason, 'body');

/**
 * A `docker load` body on its way to the daemon, in ownership mode. The daemon
 * extracts the whole archive before it reads manifest.json (moby
 * image/tarexport/load.go), so holding the end of the body (HeldTarStream)
 * until the names and labels are checked means a refused load, cut off,
 * loads nothing.
 */
export class ImageLoadInspector extends HeldTarStream<ImageArchiveReader> {
  constructor(private readonly check: ImageArchiveCheck, reader = new ImageArchiveReader()) {
    super(reader, 'image archive', refusal);
  }

  protected decision(): Promise<PolicyDenial | undefined> {
    return this.check(this.reader);
  }
}
