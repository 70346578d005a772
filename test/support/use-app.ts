/**
 * The e2e specs' one set-up: the whole app for a describe block, started in beforeAll and closed
 * in afterAll, with the users a spec signs in as. Every spec wrote the same `let app; beforeAll(…
 * startApp(testConfig(…)) … loginAs …); afterAll(close)` by hand. Registered where it is called,
 * so a spec's own beforeAll (seeding rows, say) runs after the app and its sessions are there,
 * and its own afterAll after the app is closed. startApp stays exported for specs that boot
 * more than one app.
 */
import type { DynamicModule, Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import type { AppOptions } from '../../src/app.module';
import type { AppConfig } from '../../src/config/config.service';
import { loginAs, TestSession } from '../helpers/auth';
import { startApp, testConfig } from './app';

/** What loginAs takes: a fresh user of that role (and email, password) signed in. */
export type SessionOptions = NonNullable<Parameters<typeof loginAs>[1]>;

export interface UseAppOptions<K extends string> {
  /** overrides for testConfig (a fresh database each time); ignored when `config` is given */
  env?: Record<string, string>;
  /** a config the spec built itself (when it needs its paths, say the database file) */
  config?: AppConfig | (() => AppConfig);
  /** extra modules, as startApp takes them */
  imports?: DynamicModule['imports'];
  /** app options, as startApp takes them (an audit sink, say) */
  appOptions?: AppOptions;
  /** signed in in this order once the app is up (the order fixes which user is created first) */
  sessions?: Record<K, SessionOptions>;
}

export interface UsedApp<K extends string> {
  readonly app: NestExpressApplication;
  readonly server: Server;
  /** a provider of the running app (app.get) */
  get<T>(token: Type<T> | string | symbol): T;
  /** the sessions named in the options, by name; each may be taken at describe time (`const { admin } = h.sessions`)
   * and read in a test, where it is the one signed in */
  readonly sessions: Readonly<Record<K, TestSession>>;
}

export function useApp<K extends string = never>(options: UseAppOptions<K> = {}): UsedApp<K> {
  let app: NestExpressApplication | undefined;
  const signedIn = new Map<K, TestSession>();
  const live = (): NestExpressApplication => {
    if (!app) throw new Error('useApp starts the app in beforeAll: use it inside a test or a hook');
    return app;
  };
  beforeAll(async () => {
    const config = typeof options.config === 'function' ? options.config() : (options.config ?? testConfig(options.env));
    app = await startApp(config, options.imports, options.appOptions);
    for (const [name, opts] of Object.entries(options.sessions ?? {}) as [K, SessionOptions][]) signedIn.set(name, await loginAs(app, opts));
  });
  afterAll(async () => app?.close());

  const sessions = {} as Record<K, TestSession>;
  for (const name of Object.keys(options.sessions ?? {}) as K[]) {
    sessions[name] = lateSession(() => {
      const s = signedIn.get(name);
      if (!s) throw new Error(`session "${name}" is signed in in beforeAll: use it inside a test or a hook`);
      return s;
    });
  }
  return {
    get app() { return live(); },
    get server() { return live().getHttpServer() as Server; },
    get: <T>(token: Type<T> | string | symbol): T => live().get<T, T>(token),
    sessions,
  };
}

/** A session read when a test reads it: a describe block names it before beforeAll has signed it in. */
function lateSession(live: () => TestSession): TestSession {
  return {
    get user() { return live().user; },
    get password() { return live().password; },
    get cookie() { return live().cookie; },
    get csrfToken() { return live().csrfToken; },
    get token() { return live().token; },
    get headers() { return live().headers; },
    get bearer() { return live().bearer; },
  };
}
