// MRI Sentinel: CSRF header for the page's own fetch calls (the PDF of a result: result-view.js).
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
})();
