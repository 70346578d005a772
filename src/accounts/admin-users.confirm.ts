import type { UserView } from './users.service';

/**
 * The admin page's confirmation step, server-rendered (views/admin-users-confirm.hbs). The page's
 * script asks with the browser's dialog and sends `confirmed=yes`; without JavaScript the forms
 * posted straight through, so a mis-click on "Save" or "New password" locked a colleague out.
 * Now a post that changes the status or sets a new password without `confirmed=yes` gets this
 * page instead: the question names the user and the action, Confirm re-posts the same fields with
 * `confirmed=yes` and the CSRF token, Cancel goes back to the list. The same words as the dialog
 * (admin-users.hbs data-confirm*), so both paths ask the same question.
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

/** Whether this form post needs the confirmation: a change of status (either way), not a role change alone. */
export function statusChanges(current: UserView, change: { disabled?: boolean }): boolean {
  return change.disabled !== undefined && change.disabled !== current.disabled;
}

/** The question for a change of status, with the role change that goes with it, if any. */
export function updateConfirmation(current: UserView, change: { role?: string; disabled: boolean }): Confirmation {
  const verb = change.disabled ? 'Disable' : 'Enable';
  const role = change.role !== undefined && change.role !== current.role ? ` and make them ${change.role}` : '';
  const what = `${verb} ${current.email}${role}`;
  const fields = [...(change.role !== undefined ? [{ name: 'role', value: change.role }] : []), { name: 'disabled', value: String(change.disabled) }];
  return {
    title: `${verb} user`,
    question: `${what}?`,
    consequence: change.disabled ? DISABLE_CONSEQUENCE : ENABLE_CONSEQUENCE,
    confirmLabel: what,
    action: `/admin/users/${encodeURIComponent(current.id)}`,
    fields,
  };
}

export function resetConfirmation(current: UserView): Confirmation {
  return {
    title: 'New password',
    question: `Give ${current.email} a new password?`,
    consequence: `${RESET_CONSEQUENCE} The new password is shown to you once, on the next page.`,
    confirmLabel: `Give ${current.email} a new password`,
    action: `/admin/users/${encodeURIComponent(current.id)}/password`,
    fields: [],
  };
}
