// MRI Sentinel: the admin users page. "New password" and a change of status (disabling, enabling)
// take effect on confirmation: here with the browser's own confirm dialog (keyboard accessible).
// Accepted, the form is sent with confirmed=yes, so the server acts without asking again; a form
// sent without it (JavaScript off, or a change this page did not see) gets the server's own
// confirmation page instead (src/accounts/admin-users.confirm.ts). Static file (CSP).
(function () {
  'use strict';
  /** The question for this form's change of status, if it changes it. */
  function statusQuestion(form) {
    var select = form.querySelector('select[name="disabled"]');
    if (!select) return null;
    var was = form.getAttribute('data-was-disabled') === 'true';
    var now = select.value === 'true';
    if (now === was) return null;
    return form.getAttribute(now ? 'data-confirm-disable' : 'data-confirm-enable');
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form || !form.getAttribute) return;
    // a form restored from the back/forward cache may still hold the answer to an earlier question
    var old = form.querySelector('input[name="confirmed"]');
    if (old) old.parentNode.removeChild(old);
    var ask = form.getAttribute('data-confirm') || statusQuestion(form);
    if (!ask) return;
    if (!window.confirm(ask)) {
      e.preventDefault();
      return;
    }
    var yes = document.createElement('input');
    yes.type = 'hidden';
    yes.name = 'confirmed';
    yes.value = 'yes';
    form.appendChild(yes);
  });
})();
