// MRI Sentinel: the PDF of one analysed image, downloaded from the upload page's result and from each
// result in the batch queue. Apart from result-view.js, which renders results: this is a request with
// its own failures (a 429's wait, an ended login, a page of an earlier login). Uses the countdown and
// Retry-After reading of result-view.js, loaded before it. Served as a static file (the CSP forbids
// inline scripts). Adds to window.Sentinel.
(function () {
  'use strict';
  var S = (window.Sentinel = window.Sentinel || {});

  /**
   * The file name the server gave the PDF (Content-Disposition, labels.ts reportFileName). The page
   * named it itself, with today's date instead of the analysis date.
   */
  S.fileName = function (res, fallback) {
    var m = /filename="([^"]+)"/.exec((res && res.headers && res.headers.get('Content-Disposition')) || '');
    return m ? m[1] : fallback;
  };

  /**
   * The button held while its request runs or a 429's wait counts: aria-disabled, not disabled — a
   * focused button that turned disabled dropped the keyboard focus to <body> on every download (a
   * screen reader said "document"); so a press while held is refused here instead.
   */
  function hold(btn, on) { btn.setAttribute('aria-disabled', String(on)); }
  function held(btn) { return btn.getAttribute('aria-disabled') === 'true'; }

  /** The PDF of *this* result: its own image, named by its history id (the server checks the sha256). */
  S.downloadReport = function (entry, btn, note) {
    if (!entry || !entry.result || held(btn)) return;
    var data = new FormData();
    data.append('image', entry.blob, 'image');
    if (entry.result.analysisId) data.append('analysisId', entry.result.analysisId);
    var waiting = false; // a 429's wait: the button stays disabled until it ends
    hold(btn, true);
    note.textContent = 'Preparing the report…';
    window.fetch('/api/v1/reports', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (res) {
        if (res.ok) return res.blob().then(function (blob) { return { blob: blob, name: S.fileName(res, 'mri-sentinel-report.pdf') }; });
        return res.json().then(function (b) {
          if (res.status === 429) {
            // the button comes back when the Retry-After wait is over; it counts on the button, not in
            // the note, which is a live region (a screen reader would say every second): the note speaks twice
            var label = btn.textContent;
            waiting = true;
            note.textContent = 'Too many requests: the report can be downloaded when the wait on the button is over.';
            S.countdown(S.retryAfter(res, b), function (left) { hold(btn, true); btn.textContent = label + ' (' + left + ' s)'; },
              function () { waiting = false; hold(btn, false); btn.textContent = label; note.textContent = 'You can download the report now.'; });
            throw new Error('');
          }
          if (window.SentinelSession && window.SentinelSession.ended(res.status)) {
            // the login ended: "Please log in." alone gave no way back; the link returns to this page
            note.textContent = window.SentinelSession.title + ': the report was not made. ';
            note.appendChild(window.SentinelSession.loginLink());
            throw new Error('');
          }
          if (window.SentinelSession && window.SentinelSession.stale(res.status, b)) {
            // the page was opened under an earlier login (CSRF 403): a retry from here fails the same
            // way, and a reload loses the image, so point to the recorded analysis's own PDF as well
            note.textContent = window.SentinelSession.staleTitle + ': the report was not made. ';
            var reload = document.createElement('a');
            reload.href = window.location.pathname + window.location.search;
            reload.textContent = 'Reload the page';
            note.appendChild(reload);
            if (entry.result.analysisId) {
              note.appendChild(document.createTextNode(' or '));
              var recorded = document.createElement('a');
              recorded.href = '/history/' + encodeURIComponent(entry.result.analysisId);
              recorded.textContent = 'open this analysis in the history';
              note.appendChild(recorded);
              note.appendChild(document.createTextNode(' (its PDF has no image).'));
            }
            throw new Error('');
          }
          throw new Error((b && b.message) || 'The report could not be created.');
        }, function () { throw new Error('The report could not be created (' + res.status + ').'); });
      })
      .then(function (pdf) {
        var a = document.createElement('a');
        a.href = URL.createObjectURL(pdf.blob);
        a.download = pdf.name;
        a.click(); // never attached: no empty link in the page
        setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
        note.textContent = 'Report downloaded.';
      })
      .catch(function (err) {
        if (err.message) { note.textContent = err.message; hold(btn, false); }
      })
      .then(function () { if (!waiting) hold(btn, false); });
  };
})();
