import { Logger, type NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { RequestHandler } from 'express';
import type { Server } from 'node:http';
import { HttpDrain, SHUTDOWN_DRAIN_MS } from './http-drain';

/**
 * Nest's Express adapter with two additions. Handlers for the requests that no route took, mounted
 * right after the routes and before Nest's own 404 handler: Nest mounts that handler at init, after
 * the routes; a plain app.use() before init would run ahead of the routes, on every request, and
 * one after init would come after the 404. An error these handlers pass on reaches the one filter.
 * And a drain on close (http-drain.ts): app.close() awaits beforeClose() before any module's
 * destroy hook, so the requests in flight finish while the models and the database are still up.
 */
export class FallThroughExpressAdapter extends ExpressAdapter {
  private readonly fallThrough: RequestHandler[] = [];
  private readonly drainer = new HttpDrain();
  /** Requests the drain on close cut off (0 until a close has drained). */
  cutOff = 0;

  constructor(private readonly drainMs = SHUTDOWN_DRAIN_MS) {
    super();
  }

  beforeNotFound(handler: RequestHandler): void {
    this.fallThrough.push(handler);
  }

  override setNotFoundHandler(...args: Parameters<ExpressAdapter['setNotFoundHandler']>): ReturnType<ExpressAdapter['setNotFoundHandler']> {
    for (const handler of this.fallThrough) this.use(handler);
    return super.setNotFoundHandler(...args);
  }

  override initHttpServer(options: NestApplicationOptions): void {
    super.initHttpServer(options);
    this.drainer.attach(this.getHttpServer() as Server);
  }

  override async beforeClose(): Promise<void> {
    super.beforeClose();
    const cut = await this.drainer.drain(this.getHttpServer() as Server, this.drainMs);
    this.cutOff = cut;
    if (cut) new Logger('Shutdown').warn(`${cut} request(s) still running after ${this.drainMs} ms were cut off`);
  }
}
