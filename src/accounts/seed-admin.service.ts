import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/config.service';
import { randomPassword } from './password';
import { UsersService } from './users.service';

export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

/**
 * First start: when no user exists, create an admin from SEED_ADMIN_EMAIL / SEED_ADMIN_PASSWORD,
 * or with a random password printed once to the console (never logged again, never stored plain).
 */
@Injectable()
export class SeedAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return this.sayWhenNotSeeded();
    const a = this.config.accounts;
    const email = a.seedAdminEmail ?? DEFAULT_ADMIN_EMAIL;
    const password = a.seedAdminPassword ?? randomPassword();
    try {
      // "Must change password" only for the random one. It was printed to the console, where it
      // lingers in terminal scroll-back and collected container logs, and nobody chose it. A
      // SEED_ADMIN_PASSWORD is the deployer's own choice for the account they will use (README
      // "First start"); forcing a change would also leave the env var naming a dead password and
      // lock out the scripts that log in with it (bench, cluster, container smoke) until a
      // person clicks through a form. Whoever wants it changed can change it at /account.
      await this.users.create({ email, password, role: 'admin', mustChangePassword: a.seedAdminPassword === undefined });
    } catch (err) {
      // another instance seeded at the same moment
      if ((await this.users.count()) > 0) return;
      throw err;
    }
    if (a.seedAdminPassword) {
      // the address is the deployer's own setting: not repeated into the logs
      this.logger.log('Created the first admin: SEED_ADMIN_EMAIL, with the password from SEED_ADMIN_PASSWORD.');
    } else if (a.seedAdminPrint && this.config.nodeEnv !== 'test') {
      // printed once, straight to the console, whatever LOG_LEVEL says
      console.log(
        `\n  First start: created admin ${email} with password  ${password}\n` +
          `  Log in at http://localhost:${this.config.port}/login: you will be asked to choose your own password first.\n`,
      );
    }
  }

  /**
   * A later start whose SEED_ADMIN_EMAIL names no account: nothing is created, and it was silent,
   * so a deployer who set it on an existing database could not tell why that login failed.
   */
  private async sayWhenNotSeeded(): Promise<void> {
    const email = this.config.accounts.seedAdminEmail;
    if (!email || (await this.users.findByEmail(email))) return;
    this.logger.warn(
      'SEED_ADMIN_EMAIL names no account and none was created: the first admin is made on a first start only (no user yet). ' +
        'An admin adds accounts at /admin/users or with npm run user:create.',
    );
  }
}
