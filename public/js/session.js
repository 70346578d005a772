// MRI Sentinel: CSRF header for the page's own fetch calls (the PDF of a result: result-view.js),
// and what those calls say when the login has ended meanwhile (SentinelSession).
// Served as a static file (the CSP forbids inline scripts). Loaded before the page scripts.
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute('content') : '';
  var nativeFetch = window.fetch.bind(window);

  function sameOrigin(url) {
    try { return new URL(url, window.location.href).origin === window.location.origin; } catch (e) { return false; }
  }

  // Every state-changing same-origin request carries the CSRF token (signed double-submit).
  window.fetch = function (input, init) {
    init = init || {};
    var url = typeof input === 'string' ? input : (input && input.url) || '';
    var method = (init.method || (input && input.method) || 'GET').toUpperCase();
    if (token && method !== 'GET' && method !== 'HEAD' && sameOrigin(url)) {
      var headers = new Headers(init.headers || (typeof input !== 'string' && input.headers) || {});
      if (!headers.has('X-CSRF-Token')) headers.set('X-CSRF-Token', token);
      init = Object.assign({}, init, { headers: headers });
    }
    return nativeFetch(input, init);
  };

  // A 401 on one of the page's own calls means the login ended while the page was open: it
  // expired, the user logged out in another tab, or an admin disabled the account or set a new
  // password. The file is not at fault, so the pages must not say "this file cannot be analysed";
  // they say what happened and link back here through the login page (which returns to `next`).
  // The selected images are not kept anywhere, so the user has to choose them again.
  window.SentinelSession = {
    ended: function (status) { return status === 401; },
    title: 'Your login has ended',
    /** `what`: 'the image', 'the files'… — what to choose again after logging in. */
    message: function (what) {
      // every cause named: a user whose account was disabled would otherwise retry a login that cannot work
      return 'You were logged out — the session expired, you logged out in another tab, or an administrator disabled your account or reset its password — so nothing was analysed. Log in again (if your account was disabled, ask an administrator), then choose ' + what + ' again — uploads are never kept.';
    },
    // ended=1: the login page says the login ended even when the browser no longer sends the ended login's cookie
    loginHref: function () { return '/login?next=' + encodeURIComponent(window.location.pathname + window.location.search) + '&ended=1'; },
    /**
     * A 403 FORBIDDEN on the page's own analyses, studies or reports call: those routes are open to
     * every logged-in user, so it is the CSRF check — the page was opened under an earlier login
     * (the user logged in again since, e.g. in another tab). Not the file's fault, and a retry from
     * this page fails the same way: only a reload gives it the current login's token.
     */
    stale: function (status, body) { return status === 403 && !!body && body.code === 'FORBIDDEN'; },
    staleTitle: 'This page is out of date',
    staleMessage: function (what) {
      return 'It was opened under an earlier login (you have logged in again since, perhaps in another tab), so the server refused it. Reload the page, then choose ' + what + ' again — nothing was analysed, and uploads are never kept.';
    },
    /** A "Log in again" link back to this page. */
    loginLink: function (className) {
      var a = document.createElement('a');
      a.href = window.SentinelSession.loginHref();
      a.textContent = 'Log in again';
      if (className) a.className = className;
      return a;
    },
  };
})();
