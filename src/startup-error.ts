/** Why the service (or the CLI) did not start: one readable paragraph, printed without a stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
