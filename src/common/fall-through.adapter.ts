import { ExpressAdapter } from '@nestjs/platform-express';
import type { RequestHandler } from 'express';

/**
 * Nest's Express adapter with one addition: handlers for the requests that no route took, mounted
 * right after the routes and before Nest's own 404 handler. Nest mounts that handler at init, after
 * the routes; a plain app.use() before init would run ahead of the routes, on every request, and
 * one after init would come after the 404. An error these handlers pass on reaches the one filter.
 */
export class FallThroughExpressAdapter extends ExpressAdapter {
  private readonly fallThrough: RequestHandler[] = [];

  beforeNotFound(handler: RequestHandler): void {
    this.fallThrough.push(handler);
  }

  override setNotFoundHandler(...args: Parameters<ExpressAdapter['setNotFoundHandler']>): ReturnType<ExpressAdapter['setNotFoundHandler']> {
    for (const handler of this.fallThrough) this.use(handler);
    return super.setNotFoundHandler(...args);
  }
}
