import { Logger, Provider } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/config.service';
import { Csrf } from './csrf';

export const csrfProvider: Provider = {
  provide: Csrf,
  inject: [AppConfig],
  useFactory: (config: AppConfig): Csrf => {
    let secret = config.accounts.sessionSecret;
    if (!secret) {
      if (config.nodeEnv === 'production') {
        throw new Error('SESSION_SECRET (≥ 32 characters) is required when NODE_ENV=production.');
      }
      secret = randomBytes(32).toString('hex');
      if (config.nodeEnv !== 'test') {
        new Logger('Accounts').warn('SESSION_SECRET is not set: using a random per-process secret (set it for several instances).');
      }
    }
    return new Csrf(secret);
  },
};
