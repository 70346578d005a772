import { LoggerService } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app.setup';
import { FAKE_MODELS_DIR, testConfig } from '../support/app';

/** The app's log lines with their level and context (Nest passes the context last). */
class LevelLogger implements LoggerService {
  readonly lines: { level: string; message: string; context: unknown }[] = [];
  private at = (level: string) => (message: unknown, ...rest: unknown[]) => {
    this.lines.push({ level, message: String(message), context: rest[rest.length - 1] });
  };
  log = this.at('log');
  warn = this.at('warn');
  error = this.at('error');
  debug = this.at('debug');
  verbose = this.at('verbose');
  fatal = this.at('fatal');
}

/**
 * The audit log without a sink of its own, as a deployment runs it: security events are written
 * whatever LOG_LEVEL says — LOG_LEVEL=error silenced every one of them when they went through
 * Nest's Logger — and as bare JSON lines on stdout, without Nest's "[Nest] pid - … LOG [Audit]"
 * prefix, so a log shipper parses each line that starts with "{" as it is.
 */
describe('audit log without a sink of its own', () => {
  it.each(['error', 'warn'])('LOG_LEVEL=%s: a success and a refusal are both written to stdout, one bare JSON object per line, none through the app logger', async (level) => {
    const logs = new LevelLogger();
    const app = await createApp(testConfig({ MODELS_DIR: FAKE_MODELS_DIR, LOG_LEVEL: level, SEED_ADMIN_PASSWORD: 'Seeded-Admin-Pass-91' }));
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      app.useLogger(logs);
      await app.init();
      written.length = 0;
      const server = app.getHttpServer();
      await request(server).post('/api/v1/auth/token').send({ email: 'nobody@example.test', password: 'never-in-the-log' }).expect(401);
      await request(server).post('/api/v1/auth/token').send({ email: 'admin@localhost', password: 'Seeded-Admin-Pass-91' }).expect(200);
    } finally {
      stdout.mockRestore();
      await app.close();
    }
    const audit = written.filter((w) => w.startsWith('{'));
    expect(audit.every((w) => w.endsWith('\n') && w.indexOf('\n') === w.length - 1)).toBe(true);
    expect(audit.map((w) => JSON.parse(w) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ event: 'login.failure', reason: 'unknown_user', username: 'nobody@example.test' }),
      expect.objectContaining({ event: 'login.success', via: 'token', username: 'admin@localhost' }),
    ]);
    expect(logs.lines.filter((l) => l.context === 'Audit')).toEqual([]);
    expect(written.join('')).not.toContain('never-in-the-log');
  });
});
