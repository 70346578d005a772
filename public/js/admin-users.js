// MRI Sentinel: the admin users page. "New password", a change of status (disabling, enabling),
// making someone admin and demoting oneself take effect on confirmation: here with the browser's own confirm dialog (keyboard accessible).
// Accepted, the form is sent with confirmed=yes, so the server acts without asking again; a form
// sent without it (JavaScript off, or a change this page did not see) gets the server's own
// confirmation page instead (src/accounts/admin-users.confirm.ts). Static file (CSP).
(function () {
  'use strict';
  /** The question for what this row form's selects would post, if it asks (the server wrote them, one per combination). */
  function rowQuestion(form) {
    var role = form.querySelector('select[name="role"]');
    var disabled = form.querySelector('select[name="disabled"]');
    if (!role || !disabled) return null;
    return form.getAttribute('data-confirm-' + role.value + '-' + disabled.value);
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form || !form.getAttribute) return;
    // a form restored from the back/forward cache may still hold the answer to an earlier question
    var old = form.querySelector('input[name="confirmed"]');
    if (old) old.parentNode.removeChild(old);
    var ask = form.getAttribute('data-confirm') || rowQuestion(form);
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
