import type { UserView } from './users.service';

/**
 * The admin page's confirmation step, server-rendered (views/admin-users-confirm.hbs). The page's
 * script asks with the browser's dialog and sends `confirmed=yes`; without JavaScript the forms
 * posted straight through, so a mis-click on "Save" or "New password" locked a colleague out.
 * Now a post that changes the status, makes someone admin, demotes oneself or sets a new password
 * without `confirmed=yes` gets this page instead: the question names the user and the action, Confirm re-posts the same fields with
 * `confirmed=yes` and the CSRF token, Cancel goes back to the list. The dialog's words come from
 * here too (dialogQuestions, admin-users.hbs data-confirm-*), so both paths ask the same question.
 */
export interface Confirmation {
  title: string;
  question: string;
  consequence: string;
  /** the Confirm button's words: the action and whom it acts on, never a bare "OK" */
  confirmLabel: string;
  action: string;
  /** the form's fields besides `_csrf` and `confirmed`, as posted */
  fields: { name: string; value: string }[];
}

export const DISABLE_CONSEQUENCE = 'Their sessions and API tokens end at once and they cannot log in until re-enabled.';
export const ENABLE_CONSEQUENCE = 'They can log in again with their password and use the service.';
export const RESET_CONSEQUENCE = 'Their current password, sessions and API tokens stop working at once; they will be asked to choose a new password at first login.';

/**
 * Making someone admin gives them every user's analyses and history: a slip on the role select
 * exposed them at once, with no question, while disabling asked. Demoting another admin asks
 * nothing: it gives nobody access, any admin undoes it in one click, and the last admin cannot be
 * demoted. Demoting oneself asks: the admin loses this page at once and cannot undo it.
 */
export const PROMOTE_CONSEQUENCE = "Admins see every user's analyses and history, and manage all accounts.";
export const SELF_DEMOTE_CONSEQUENCE = 'You lose this page and access to other users\' history at once; only another admin can give it back.';

type Change = { role?: string; disabled?: boolean };

function statusChanges(current: UserView, change: Change): boolean {
  return change.disabled !== undefined && change.disabled !== current.disabled;
}

function roleChange(current: UserView, change: Change, actorId: string): 'promote' | 'self_demote' | 'demote' | null {
  if (change.role === undefined || change.role === current.role) return null;
  if (change.role === 'admin') return 'promote';
  return current.id === actorId ? 'self_demote' : 'demote';
}

/** Whether this form post needs the confirmation: a change of status (either way), a promotion to admin, or demoting oneself. */
export function needsConfirmation(current: UserView, change: Change, actorId: string): boolean {
  const role = roleChange(current, change, actorId);
  return statusChanges(current, change) || role === 'promote' || role === 'self_demote';
}

/** The question for a change of status and/or role (the one that needsConfirmation), the page's and the dialog's. */
export function updateConfirmation(current: UserView, change: Change, actorId: string): Confirmation {
  const role = roleChange(current, change, actorId);
  const consequences = [
    ...(statusChanges(current, change) ? [change.disabled ? DISABLE_CONSEQUENCE : ENABLE_CONSEQUENCE] : []),
    ...(role === 'promote' ? [PROMOTE_CONSEQUENCE] : role === 'self_demote' ? [SELF_DEMOTE_CONSEQUENCE] : []),
  ];
  let title: string;
  let what: string;
  if (statusChanges(current, change)) {
    const verb = change.disabled ? 'Disable' : 'Enable';
    title = `${verb} user`;
    what = `${verb} ${current.email}${role ? ` and make them ${change.role}` : ''}`;
  } else {
    title = role === 'promote' ? 'Make admin' : 'Change role';
    what = role === 'promote' ? `Make ${current.email} an admin` : `Make ${current.email} (you) a user`;
  }
  const fields = [
    ...(change.role !== undefined ? [{ name: 'role', value: change.role }] : []),
    ...(change.disabled !== undefined ? [{ name: 'disabled', value: String(change.disabled) }] : []),
  ];
  return {
    title,
    question: `${what}?`,
    consequence: consequences.join(' '),
    confirmLabel: what,
    action: `/admin/users/${encodeURIComponent(current.id)}`,
    fields,
  };
}

/**
 * The list's dialog questions for a row's form, keyed `role-disabled` (what the selects would post),
 * for each change that needs confirmation: built by updateConfirmation, so the dialog (admin-users.js)
 * and the no-JavaScript page ask in the same words.
 */
export function dialogQuestions(current: UserView, actorId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const role of ['user', 'admin']) {
    for (const disabled of [false, true]) {
      const change = { role, disabled };
      if (!needsConfirmation(current, change, actorId)) continue;
      const c = updateConfirmation(current, change, actorId);
      out[`${role}-${disabled}`] = `${c.question} ${c.consequence}`;
    }
  }
  return out;
}

/** `key`: the "New password" form's one-time key (users.service resetKeyOf), posted on with Confirm. */
export function resetConfirmation(current: UserView, key: string): Confirmation {
  return {
    title: 'New password',
    question: `Give ${current.email} a new password?`,
    consequence: `${RESET_CONSEQUENCE} The new password is shown to you once, on the next page.`,
    confirmLabel: `Give ${current.email} a new password`,
    action: `/admin/users/${encodeURIComponent(current.id)}/password`,
    fields: [{ name: 'key', value: key }],
  };
}
