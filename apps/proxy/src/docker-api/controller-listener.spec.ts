import { ArgumentsHost, CanActivate, Catch, ExceptionFilter, ExecutionContext, Injectable, Module, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { controllerListener } from './controller-listener';

class Refused extends Error {}

@Injectable()
class OnlyAllowedPaths implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.switchToHttp().getRequest<IncomingMessage>().url?.startsWith('/allowed')) return true;
    throw new Refused('refused by the guard');
  }
}

@Catch()
class RenderRefusal implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost): true {
    host.switchToHttp().getResponse<ServerResponse>().writeHead(403).end(error.message);
    return true;
  }
}

@Injectable()
@UseGuards(OnlyAllowedPaths)
@UseFilters(RenderRefusal)
class EchoController {
  handle(@Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    res.writeHead(200).end(`handled ${req.method} ${req.url}`);
  }
}

@Module({ providers: [OnlyAllowedPaths, EchoController] })
class EchoModule {}

describe('controllerListener: a controller method called as Nest calls a route, without a router', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = await NestFactory.createApplicationContext(EchoModule, { logger: false });
    server = createServer(controllerListener(app, EchoController, 'handle'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('runs the guard first, then the method with @Req() and @Res(), for any path and method', async () => {
    const response = await fetch(`${base}/allowed/any/depth?x=1`, { method: 'DELETE' });
    expect([response.status, await response.text()]).toEqual([200, 'handled DELETE /allowed/any/depth?x=1']);
  });

  it("renders what the guard throws with the controller's exception filter, and never calls the method", async () => {
    const response = await fetch(`${base}/other`);
    expect([response.status, await response.text()]).toEqual([403, 'refused by the guard']);
  });
});
