import { Injectable } from '@nestjs/common';

/**
 * Set when a stop signal comes (main.ts, common/close-on-signal.ts): from then on /readyz answers
 * 503 SHUTTING_DOWN while the server still accepts and serves for SHUTDOWN_DELAY_MS, so a load
 * balancer polling /readyz stops sending here before the listener closes (closing it resets the
 * connections still waiting to be accepted).
 */
@Injectable()
export class ShutdownState {
  private stopping = false;

  begin(): void {
    this.stopping = true;
  }

  get isStopping(): boolean {
    return this.stopping;
  }
}
