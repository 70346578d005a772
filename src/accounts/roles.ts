export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** What the guards put on `req.user` (no password hash, ever). */
export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  /**
   * Someone else set this password (an admin, the CLI, the random first-admin password): until the
   * user chooses their own, only the password change, logout and "me" answer (AccessGuard).
   */
  mustChangePassword: boolean;
}

/** How the request proved who it is: a browser session cookie or an API bearer token. */
export type AuthMethod = 'cookie' | 'bearer';
