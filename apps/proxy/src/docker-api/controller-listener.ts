import { INestApplicationContext, Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ExternalContextCreator } from '@nestjs/core/helpers/external-context-creator';
import { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** @Req() and @Res() only: the controller reads the request and streams the response itself. */
const requestAndResponse = {
  exchangeKeyForValue(type: number, _data: unknown, [req, res]: [IncomingMessage, ServerResponse]): unknown {
    return type === RouteParamtypes.REQUEST ? req : type === RouteParamtypes.RESPONSE ? res : undefined;
  },
};

/**
 * Every Docker API request goes to one controller method, so a router has
 * nothing to choose. This calls that method the way Nest calls a route (its
 * guards, its exception filters, its parameter decorators, as Nest's own
 * external contexts do for GraphQL and microservices) straight from the
 * listener, without Express in front: Express's per-request work halved the
 * throughput of small requests (docs/performance.md). The controller must be a
 * provider of the application's modules, so that Nest finds its guards there.
 */
export function controllerListener<T extends object>(app: INestApplicationContext, type: Type<T>, method: keyof T & string): RequestListener {
  const controller = app.get(type);
  const callback = controller[method] as (...args: unknown[]) => unknown;
  const handle = app.get(ExternalContextCreator).create(controller, callback, method, ROUTE_ARGS_METADATA, requestAndResponse, undefined, undefined, undefined, 'http');
  return (req, res) => {
    handle(req, res).catch(() => {
      // The exception filter answered already; a failure of its own leaves nothing to say.
      if (!res.headersSent) res.destroy();
    });
  };
}
