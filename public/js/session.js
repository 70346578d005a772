// MRI Sentinel: CSRF header for the page's own fetch calls, and "Download PDF" after an analysis.
// Served as a static file (the CSP forbids inline scripts). Loaded before the page scripts.
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute('content') : '';
  var nativeFetch = window.fetch.bind(window);
  var lastImage = null;

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
    var path = sameOrigin(url) ? new URL(url, window.location.href).pathname : '';
    var image = method === 'POST' && path === '/api/v1/analyses' && init.body instanceof FormData ? init.body.get('image') : null;
    var p = nativeFetch(input, init);
    if (image) {
      p.then(function (res) {
        if (res.ok) { lastImage = image; offerPdf(); }
      }, function () {});
    }
    return p;
  };

  // The server keeps no image: the PDF is built by re-sending the image this page still holds.
  function offerPdf() {
    var result = document.getElementById('state-result');
    if (!result || !lastImage) return;
    var box = document.getElementById('pdf-actions');
    if (!box) {
      box = document.createElement('div');
      box.id = 'pdf-actions';
      box.className = 'pdf-actions';
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'btn';
      btn.id = 'pdf-btn';
      btn.textContent = 'Download PDF report';
      var note = document.createElement('span');
      note.className = 'muted small';
      note.id = 'pdf-note';
      box.appendChild(btn);
      box.appendChild(note);
      result.appendChild(box);
      btn.addEventListener('click', downloadPdf);
    }
    document.getElementById('pdf-note').textContent = '';
  }

  function downloadPdf() {
    var note = document.getElementById('pdf-note');
    var btn = document.getElementById('pdf-btn');
    if (!lastImage) return;
    var data = new FormData();
    data.append('image', lastImage, 'image');
    btn.disabled = true;
    note.textContent = 'Preparing the report…';
    window.fetch('/api/v1/reports', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) {
          return res.json().then(function (b) { throw new Error(b && b.message ? b.message : 'The report could not be created.'); },
            function () { throw new Error('The report could not be created (' + res.status + ').'); });
        }
        return res.blob();
      })
      .then(function (blob) {
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = 'mri-sentinel-report.pdf';
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        note.textContent = '';
      })
      .catch(function (err) { note.textContent = err.message; })
      .then(function () { btn.disabled = false; });
  }
})();
