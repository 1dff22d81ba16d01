import { createServer, request, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { releaseOnClose } from './release-on-close';

/** A response whose client left before `hold` ran, or one still open that the client then leaves. */
async function holdOn(leaveFirst: boolean): Promise<{ released: () => number }> {
  let count = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const server = createServer((req, res: ServerResponse) => {
    const hold = () => releaseOnClose(res, () => void count++);
    if (leaveFirst) {
      req.socket.destroy();
      setTimeout(() => {
        hold();
        done();
      }, 50);
    } else {
      hold();
      res.once('close', () => setImmediate(done));
      req.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' }).on('error', () => undefined).end();
  await finished;
  await new Promise((resolve) => server.close(resolve));
  return { released: () => count };
}

describe('releaseOnClose', () => {
  it('releases when the client leaves while held', async () => {
    expect((await holdOn(false)).released()).toBe(1);
  });

  it('releases at once when the client left before the hold (no close event comes again)', async () => {
    expect((await holdOn(true)).released()).toBe(1);
  });
});
