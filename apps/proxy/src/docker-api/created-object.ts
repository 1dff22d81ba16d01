// Routes whose response names the object they created, and where.
const ID_FIELD: Readonly<Record<string, string>> = {
  'POST /containers/create': 'Id',
  'POST /containers/{id}/exec': 'Id',
  'POST /networks/create': 'Id',
  'POST /volumes/create': 'Name',
  'POST /commit': 'Id',
};

const MAX_CAPTURE = 64 * 1024;

/** Which field of the response names the created object, for routes that create one. */
export function createdObjectField(method: string, template: string): string | undefined {
  return ID_FIELD[`${method} ${template}`];
}

/** Keeps a copy of a small JSON response as it streams past, to read the object id from. */
export class ResponseCapture {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly field: string) {}

  add(chunk: Buffer): void {
    if (this.size > MAX_CAPTURE) return;
    this.size += chunk.length;
    this.chunks.push(chunk);
  }

  objectId(): string | undefined {
    try {
      const value = (JSON.parse(Buffer.concat(this.chunks).toString()) as Record<string, unknown>)[this.field];
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }
}
