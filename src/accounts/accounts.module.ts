import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../config/config.service';
import { buildThrottlerModuleOptions, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { RATE_LIMIT_STORAGE, RateLimitStorageModule } from '../rate-limit/rate-limit.storage';
import { RefusalDigestService } from '../rate-limit/refusal-digest';
import { AccessGuard } from './access.guard';
import { AdminUsersController } from './admin-users.controller';
import { AuthController } from './auth.controller';
import { csrfProvider } from './csrf.provider';
import { PasswordHasher, STANDARD_COST, TEST_COST } from './password';
import { RouteAccess } from './method-not-allowed';
import { SeedAdminService } from './seed-admin.service';
import { SessionsService } from './sessions.service';
import { UsersService } from './users.service';

/**
 * Users, sessions, API tokens, CSRF and the global guards, in this order:
 * RateLimitGuard (per user's analyses, login attempts) → AccessGuard (login, CSRF, roles).
 * Who is calling is resolved earlier by the Express middleware of accounts.setup.ts, and the per-IP
 * request limit runs before that (src/rate-limit/request-limit.ts, installed by configureApp).
 */
@Module({
  imports: [
    DiscoveryModule,
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RATE_LIMIT_STORAGE],
      useFactory: (config: AppConfig, storage: ThrottlerStorage) => buildThrottlerModuleOptions(config.accounts.rateLimits, storage),
    }),
  ],
  controllers: [AuthController, AdminUsersController],
  providers: [
    UsersService,
    {
      provide: PasswordHasher,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new PasswordHasher(config.accounts.passwordHashCost === 'test' ? TEST_COST : STANDARD_COST),
    },
    SessionsService,
    SeedAdminService,
    csrfProvider,
    RouteAccess,
    RefusalDigestService,
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [UsersService, SessionsService, csrfProvider, RouteAccess],
})
export class AccountsModule {}
