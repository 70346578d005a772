// MRI Sentinel: server-rendered rate-limit waits (the login form, the error page). Counts the
// Retry-After seconds down in [data-retry-after], holding [data-wait-target] disabled until the end,
// which is said once through [data-wait-said] (the count itself is not live: it would be said every second).
(function () {
  'use strict';
  // a locked login waits 900 s: "in 900 s" beside "Please wait 15 minutes" was the same wait in two units.
  // The server words the page's first line by the same rule (src/presentation/wait-words.ts; a unit spec
  // compares the two through window.SentinelWait)
  function wording(s) {
    if (s < 60) return s + ' s';
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ' h' + (m || r ? ' ' : '') : '') + (m ? m + ' min' + (r ? ' ' : '') : '') + (r ? r + ' s' : '');
  }
  window.SentinelWait = { wording: wording };
  var line = document.querySelector('[data-retry-after]');
  if (!line) return;
  var left = Number(line.getAttribute('data-retry-after')) || 1;
  var targets = Array.prototype.slice.call(document.querySelectorAll('[data-wait-target]'));
  function say(s) { line.textContent = 'You can try again in ' + wording(s) + '.'; }
  function release() {
    line.textContent = 'You can try again now.';
    var said = document.querySelector('[data-wait-said]');
    if (said) said.textContent = 'You can try again now.';
    targets.forEach(function (t) { t.disabled = false; t.removeAttribute('aria-disabled'); });
  }
  // held back here, not in the page: a button rendered disabled stayed so with JavaScript off (only this
  // script enabled it again); a link: aria-disabled, and no navigation until the wait is over
  targets.forEach(function (t) {
    if (t.tagName === 'BUTTON') t.disabled = true; else t.setAttribute('aria-disabled', 'true');
    t.addEventListener('click', function (e) { if (t.getAttribute('aria-disabled') === 'true') e.preventDefault(); });
  });
  say(left);
  var timer = setInterval(function () {
    left -= 1;
    if (left <= 0) { clearInterval(timer); release(); } else say(left);
  }, 1000);
})();
