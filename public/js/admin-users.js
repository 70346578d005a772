// MRI Sentinel: the admin users page. "New password" and disabling a user took effect on one
// click (a slip ends someone's sessions at once): both now ask first, with the browser's own
// confirm dialog (keyboard accessible; the form, its CSRF token and the server are unchanged).
// Static file (CSP).
(function () {
  'use strict';
  function disabling(form) {
    var select = form.querySelector('select[name="disabled"]');
    return !!select && select.value === 'true' && form.getAttribute('data-was-disabled') !== 'true';
  }
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form || !form.getAttribute) return;
    var ask = form.getAttribute('data-confirm') || (disabling(form) ? form.getAttribute('data-confirm-disable') : null);
    if (ask && !window.confirm(ask)) e.preventDefault();
  });
})();
