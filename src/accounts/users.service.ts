import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { SessionRepository } from '../repositories/session.repository';
import { NotFoundError } from '../common/errors';
import { UserRepository } from '../repositories/user.repository';
import { loginAccountKey, LOGIN_ACCOUNT, LOGIN_FAILURES, loginFailuresKey } from '../rate-limit/keys';
import { RateLimitStore } from '../rate-limit/rate-limit.storage';
import { AccountInputError, AdminRefusalError, EmailTakenError } from './errors';
import { isValidEmail, normalizeEmail } from './email';
import { PasswordHasher } from './password';
import { passwordProblem } from './password-policy';
import { AuthUser, isRole, Role } from './roles';

const LAST_ADMIN = 'The last active admin cannot be demoted or disabled.';

export interface UserView {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  /** the user must choose a new password at their next login (someone else set this one) */
  mustChangePassword: boolean;
}

/**
 * Which password a login or a change was made with, without the hash itself (a sha256 of it): a
 * session is kept only while it is still the account's (passwordStill).
 */
export type PasswordStamp = string & { readonly __passwordStamp: unique symbol };

function stampOf(passwordHash: string): PasswordStamp {
  return createHash('sha256').update(passwordHash).digest('hex') as PasswordStamp;
}

/**
 * The admin "New password" form's one-time key: which password the form was shown against, as a
 * sha256 of the hash under its own prefix (neither the hash nor a session's stamp). Any change of
 * the password, the reset that form made included, gives another key, so the same form sent twice
 * acts once (resetPassword).
 */
function resetKeyOf(passwordHash: string): string {
  return createHash('sha256').update('admin-reset\0').update(passwordHash).digest('base64url');
}

/** A login's outcome: the user and the password it was made with, or why not (said only to the audit log), with the account when one matched. */
export type CredentialCheck =
  | { ok: true; user: AuthUser; password: PasswordStamp }
  | { ok: false; reason: 'unknown_user' | 'wrong_password' | 'account_disabled'; userId?: string };

/** Users and roles. Password hashes never leave this class. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly rateLimits: RateLimitStore,
    private readonly passwords: PasswordHasher,
  ) {}

  async count(): Promise<number> {
    return this.users.count();
  }

  /**
   * `mustChangePassword` has no default: each caller says whether the password it passes is one
   * the user chose (false) or one someone else knows (true: the admin forms and API, the CLI).
   */
  async create(input: { email?: string; password?: string; role?: string; mustChangePassword: boolean }): Promise<UserView> {
    const email = normalizeEmail(input.email);
    if (!isValidEmail(email)) throw new AccountInputError('A valid email address is required.', 'email');
    const role = input.role ?? 'user';
    if (!isRole(role)) throw new AccountInputError('Role must be "user" or "admin".');
    if (typeof input.password !== 'string') throw new AccountInputError('A password is required.', 'password');
    const problem = passwordProblem(input.password, email);
    if (problem) throw new AccountInputError(problem, 'password');
    if (await this.users.findByEmail(email)) throw new EmailTakenError(email);
    const passwordHash = await this.passwords.hash(input.password);
    try {
      return toView(await this.users.create({ email, role, passwordHash, mustChangePassword: input.mustChangePassword }));
    } catch (err) {
      // two creates of one email at once both pass the check above (the hash takes a while): the
      // unique index refuses the later one, which is the same conflict, not a server fault
      if (await this.users.findByEmail(email)) throw new EmailTakenError(email);
      throw err;
    }
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toView);
  }

  /** The users with their "New password" form's one-time key (the admin page; resetKeyOf). */
  async listWithResetKeys(): Promise<(UserView & { resetKey: string })[]> {
    return (await this.users.list()).map((u) => ({ ...toView(u), resetKey: resetKeyOf(u.passwordHash) }));
  }

  /** This account's "New password" key now, or null when there is no such user. */
  async resetKey(id: string): Promise<string | null> {
    const u = await this.users.findById(id);
    return u ? resetKeyOf(u.passwordHash) : null;
  }

  async findById(id: string): Promise<UserView | null> {
    const u = await this.users.findById(id);
    return u ? toView(u) : null;
  }

  async findByEmail(email: string): Promise<UserView | null> {
    const u = await this.users.findByEmail(normalizeEmail(email));
    return u ? toView(u) : null;
  }

  /**
   * The user for these credentials, or null. Unknown emails cost the same scrypt work as known
   * ones, so response times do not reveal which accounts exist. Disabled users cannot log in.
   * Both login routes (form and token API) come through here: a success resets the account's
   * login-attempt counter, so only failed attempts add up to the per-account limit and a
   * researcher who logs in often is not locked out, and takes back its own hit on the
   * failed-login counter, which keeps every earlier failure (README "Rate limits").
   */
  async verifyCredentials(email: string | undefined, password: string | undefined): Promise<AuthUser | null> {
    const check = await this.checkCredentials(email, password);
    return check.ok ? check.user : null;
  }

  /**
   * verifyCredentials with why a login failed, for the audit log only: the caller's answer must
   * stay the same for every reason (which one would tell a guesser which accounts exist). Same
   * work whatever the outcome, as above.
   */
  async checkCredentials(email: string | undefined, password: string | undefined): Promise<CredentialCheck> {
    const e = normalizeEmail(email);
    const pw = typeof password === 'string' ? password : '';
    const u = e ? await this.users.findByEmail(e) : null;
    const ok = await this.passwords.verify(pw, u?.passwordHash ?? this.passwords.dummy());
    if (!u) return { ok: false, reason: 'unknown_user' };
    if (!ok) return { ok: false, reason: 'wrong_password', userId: u.id };
    // an account whose stored role is none of ours lets nobody in either: disabled, as far as a login goes
    if (u.disabled || !isRole(u.role)) return { ok: false, reason: 'account_disabled', userId: u.id };
    // the account deleted while its password was checked: as if it had never matched
    if (!(await this.users.update(u.id, { lastLoginAt: new Date() }))) return { ok: false, reason: 'unknown_user' };
    await this.passwordAccepted(email);
    return { ok: true, user: { id: u.id, email: u.email, role: u.role, mustChangePassword: u.mustChangePassword }, password: stampOf(u.passwordHash) };
  }

  /**
   * Whether the account is still active and its password still the one `password` stamps. Asked
   * after a login or a change has stored its session: a change or reset between the password check
   * and that store ended every session but this one, which must then go too.
   */
  async passwordStill(id: string, password: PasswordStamp): Promise<boolean> {
    const u = await this.users.findById(id);
    return !!u && !u.disabled && isRole(u.role) && stampOf(u.passwordHash) === password;
  }

  /**
   * Admin changes: role and/or disabled. Disabling ends the user's sessions and tokens at once.
   * The last active admin can be neither demoted nor disabled (no lock-out).
   */
  async update(actorId: string, id: string, change: { role?: string; disabled?: boolean }): Promise<UserView> {
    const { u, data, losesAdmin } = await this.vet(actorId, id, change);
    // disabling ends the sessions in the same transaction: both or neither (a refused second write
    // left the account disabled under a 503, its sessions ready to revive when it was enabled again)
    const updated = await this.users.update(id, data, data.disabled ? (tx) => this.sessions.deleteByUser(id, tx) : undefined);
    if (!updated) throw new NotFoundError('No such user.'); // deleted since the read above
    if (losesAdmin && (await this.users.countActiveAdmins()) < 1) {
      // Another change took the other admin away between our count and our write (two admins
      // demoting each other at once, or two replicas): undo ours, so at least one admin remains.
      // A disable undone here has ended that admin's sessions already: they log in again.
      await this.users.update(id, { role: 'admin', disabled: false }); // what it was: losesAdmin says so
      throw new AdminRefusalError('last_admin', LAST_ADMIN, { id: u.id, email: u.email });
    }
    return toView(updated);
  }

  /**
   * The refusals `update` would give this change (no such user, a bad role, the last admin, the
   * admin's own account), without making it: the admin page asks for confirmation only of a change
   * that would go through. Returns the account as it is now.
   */
  async checkUpdate(actorId: string, id: string, change: { role?: string; disabled?: boolean }): Promise<UserView> {
    return toView((await this.vet(actorId, id, change)).u);
  }

  private async vet(actorId: string, id: string, change: { role?: string; disabled?: boolean }) {
    const u = await this.users.findById(id);
    if (!u) throw new NotFoundError('No such user.');
    const data: { role?: Role; disabled?: boolean } = {};
    if (change.role !== undefined) {
      if (!isRole(change.role)) throw new AccountInputError('Role must be "user" or "admin".');
      data.role = change.role;
    }
    if (change.disabled !== undefined) data.disabled = change.disabled;
    const losesAdmin = u.role === 'admin' && !u.disabled && (data.role === 'user' || data.disabled === true);
    if (losesAdmin) {
      const admins = await this.users.countActiveAdmins();
      if (admins <= 1) throw new AdminRefusalError('last_admin', LAST_ADMIN, { id: u.id, email: u.email });
    }
    if (actorId === id && data.disabled) throw new AdminRefusalError('self_disable', 'You cannot disable your own account.', { id: u.id, email: u.email });
    return { u, data, losesAdmin };
  }

  /**
   * Own password change: the current one is checked first (same scrypt cost either way). It clears
   * "must change password"; keeping the very password someone else set would not, so it is refused.
   * `confirm` (the form's second copy) is compared only after the current password is accepted: the
   * route counted this attempt as a password guess, and a typo in the copy must not stay one.
   */
  async changeOwnPassword(id: string, current: string | undefined, next: string | undefined, confirm?: { value: string | undefined }): Promise<PasswordStamp> {
    const u = await this.users.findById(id);
    const ok = await this.passwords.verify(typeof current === 'string' ? current : '', u?.passwordHash ?? this.passwords.dummy());
    if (!u || !ok) throw new AccountInputError('The current password is not correct.', 'current');
    await this.passwordAccepted(u.email);
    if (typeof next !== 'string') throw new AccountInputError('A new password is required.', 'password');
    if (confirm && confirm.value !== next) throw new AccountInputError('The two new passwords differ.', 'confirm');
    // compared as hashed (NFKC): a compatibility variant of the current password is the same password
    if (next.normalize('NFKC') === (current ?? '').normalize('NFKC')) throw new AccountInputError('The new password must differ from the current one.', 'password');
    const problem = passwordProblem(next, u.email);
    if (problem) throw new AccountInputError(problem, 'password');
    // Only over the hash the current password was checked against: of two changes (or an admin's
    // "New password") racing, the later write would otherwise land too, and the session made after
    // it outlive the other's revocation.
    const passwordHash = await this.passwords.hash(next);
    // the other sessions end in the same transaction: a refused delete left the new password in
    // place (503 answered) with every old session and token alive
    const replaced = await this.users.replacePasswordHash(id, u.passwordHash, { passwordHash, mustChangePassword: false }, (tx) => this.sessions.deleteByUser(id, tx));
    if (!replaced) {
      throw new AccountInputError('The current password is not correct any more: it was changed meanwhile. Nothing was changed; log in again.', 'current');
    }
    return stampOf(passwordHash);
  }

  /**
   * The right password for this account, on a route that counted the attempt (@LoginRoute()):
   * its login-attempt count is reset and this attempt's own hit on the failed-login counter is
   * taken back, which keeps every earlier failure (README "Rate limits").
   */
  private async passwordAccepted(email: string | undefined): Promise<void> {
    await this.rateLimits.forget(loginAccountKey(email), LOGIN_ACCOUNT);
    await this.rateLimits.refund(loginFailuresKey(email), LOGIN_FAILURES);
  }

  /**
   * The admin's "New password": sets `password` (the user must replace it) and ends the user's
   * sessions and tokens, only while the account's password is still the one the form's `key` was
   * made from (resetKeyOf), in one conditional write. False, and nothing changed, when it is not:
   * the same form sent again (a reload of the page that showed the password) made another password
   * that silently replaced the one the admin had copied. A form without a key (made before keys)
   * is checked against the password read here, which still keeps two posts at once to one change.
   */
  async resetPassword(id: string, password: string, key: string | undefined): Promise<boolean> {
    const u = await this.users.findById(id);
    if (!u) throw new NotFoundError('No such user.');
    if (key !== undefined && key !== resetKeyOf(u.passwordHash)) return false;
    const problem = passwordProblem(password, u.email);
    if (problem) throw new AccountInputError(problem);
    const data = { passwordHash: await this.passwords.hash(password), mustChangePassword: true };
    if (await this.users.replacePasswordHash(id, u.passwordHash, data, (tx) => this.sessions.deleteByUser(id, tx))) return true;
    if (!(await this.users.findById(id))) throw new NotFoundError('No such user.'); // deleted meanwhile
    return false;
  }

  /**
   * Sets a password and ends every session and token of that user. `mustChangePassword`: true
   * when someone other than the user sets it (the admin's "New password"), false for their own.
   */
  async setPassword(id: string, password: string, opts: { email?: string; mustChangePassword: boolean }): Promise<void> {
    const problem = passwordProblem(password, opts.email);
    if (problem) throw new AccountInputError(problem);
    const data = { passwordHash: await this.passwords.hash(password), mustChangePassword: opts.mustChangePassword };
    // one transaction with the end of the sessions, as for an own change
    if (!(await this.users.update(id, data, (tx) => this.sessions.deleteByUser(id, tx)))) throw new NotFoundError('No such user.');
  }
}

function toView(u: { id: string; email: string; role: string; disabled: boolean; createdAt: Date; lastLoginAt: Date | null; mustChangePassword: boolean }): UserView {
  return {
    id: u.id,
    email: u.email,
    role: isRole(u.role) ? u.role : 'user',
    disabled: u.disabled,
    createdAt: u.createdAt,
    lastLoginAt: u.lastLoginAt,
    mustChangePassword: u.mustChangePassword,
  };
}
