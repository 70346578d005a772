// MRI Sentinel upload page. Served as a static file (the CSP forbids inline scripts).
// The page is a client of the public API: POST /api/v1/analyses, JSON result rendered by
// result-view.js. One image here; several at once go to the batch queue (batch.js).
(function () {
  'use strict';
  var S = window.Sentinel || {};
  var form = document.getElementById('analyse-form');
  if (!form || !S.renderResult) return;
  var MAX_BYTES = Number(form.getAttribute('data-max-bytes')) || 5 * 1024 * 1024;
  var MAX_LABEL = form.getAttribute('data-max-label') || '5 MB';
  var $ = function (id) { return document.getElementById(id); };
  var fileInput = $('file-input');
  var dropzone = $('dropzone');
  var submitBtn = $('submit-btn');
  var current = null; // the selected image: { blob, name, url }
  var waiting = null; // cancels a running rate-limit countdown
  var generation = 0; // bumps on every new selection: an answer for an older one is dropped
  // bumps on every sample click and file choice: a sample that arrives after a later choice is
  // dropped (on a slow line the first of two clicks could land last and be the one analysed)
  var picking = 0;

  // Progressive enhancement: without this script the form posts one image to /analyse by itself,
  // so the markup has the native file field shown, single, and Analyse enabled. Here the drop zone
  // stands for the field, several files make a batch, and Analyse waits for a checked image.
  fileInput.classList.add('visually-hidden');
  fileInput.multiple = true;
  submitBtn.disabled = true;

  // ---------------------------------------------------------------- WAI-ARIA tabs
  var tabs = [$('tab-upload'), $('tab-samples')];
  function selectTab(tab, focus) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.classList.toggle('active', on);
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    });
    if (focus) tab.focus();
  }
  tabs.forEach(function (t, i) {
    t.addEventListener('click', function () { selectTab(t, false); });
    t.addEventListener('keydown', function (e) {
      var k = e.key, n = tabs.length, to = null;
      if (k === 'ArrowRight') to = tabs[(i + 1) % n];
      else if (k === 'ArrowLeft') to = tabs[(i - 1 + n) % n];
      else if (k === 'Home') to = tabs[0];
      else if (k === 'End') to = tabs[n - 1];
      if (to) { e.preventDefault(); selectTab(to, true); }
    });
  });

  // ---------------------------------------------------------------- sample gallery: one tab stop (roving tabindex)
  var samples = Array.prototype.slice.call(document.querySelectorAll('[data-sample]'));
  function columns() {
    if (samples.length < 2) return 1;
    var top = samples[0].getBoundingClientRect().top, c = 0;
    while (c < samples.length && Math.abs(samples[c].getBoundingClientRect().top - top) < 4) c++;
    return Math.max(1, c);
  }
  function rove(to) {
    samples.forEach(function (b) { b.tabIndex = b === to ? 0 : -1; });
    to.focus();
  }
  samples.forEach(function (btn, i) {
    btn.addEventListener('keydown', function (e) {
      var k = e.key, n = samples.length, c = columns(), to = null;
      if (k === 'ArrowRight') to = samples[(i + 1) % n];
      else if (k === 'ArrowLeft') to = samples[(i - 1 + n) % n];
      else if (k === 'ArrowDown') to = samples[Math.min(n - 1, i + c)];
      else if (k === 'ArrowUp') to = samples[Math.max(0, i - c)];
      else if (k === 'Home') to = samples[0];
      else if (k === 'End') to = samples[n - 1];
      if (to) { e.preventDefault(); rove(to); }
    });
    btn.addEventListener('click', function () {
      samples.forEach(function (b) { b.classList.toggle('chosen', b === btn); b.setAttribute('aria-checked', b === btn ? 'true' : 'false'); b.tabIndex = b === btn ? 0 : -1; });
      var file = btn.getAttribute('data-sample');
      var mine = ++picking;
      fetch('/samples/' + encodeURIComponent(file), { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.blob(); })
        .then(function (b) { if (mine === picking) select(b, file); })
        .catch(function () { if (mine === picking) showClientError('Could not load the sample image.'); });
    });
  });

  // ---------------------------------------------------------------- choosing files
  // sizes as the history and the limit message write them (labels.ts humanBytes, mirrored in result-view.js)
  var human = S.bytes;
  /** A refused file: the message is announced (role=alert) and tied to the file field, which is marked invalid until the next choice. */
  function showClientError(msg) {
    $('client-error').textContent = msg;
    $('client-error').hidden = !msg;
    if (msg) fileInput.setAttribute('aria-invalid', 'true'); else fileInput.removeAttribute('aria-invalid');
    fileInput.setAttribute('aria-describedby', msg ? 'client-error dz-hint' : 'dz-hint');
  }

  // The server checks the bytes too; this only spares the user a pointless upload.
  S.sniff = function (blob) {
    return blob.slice(0, 8).arrayBuffer().then(function (buf) {
      var b = new Uint8Array(buf);
      if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
      var png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
      if (b.length >= 8 && png.every(function (v, i) { return b[i] === v; })) return 'png';
      return null;
    });
  };
  S.clientCheck = function (blob, name) {
    if (blob.size > MAX_BYTES) return Promise.resolve('“' + name + '” is ' + human(blob.size) + '; the limit is ' + MAX_LABEL + '.');
    return S.sniff(blob).then(function (t) { return t ? null : '“' + name + '” is not a JPEG or PNG image.'; });
  };

  /** A new image replaces everything about the previous one: its result, its report link, its error. */
  function forgetResult() {
    generation++; // a rate-limit wait (if any) keeps counting: the server's limit does not reset
    S.shown = null;
    $('viewer-slot').textContent = '';
    show('state-empty');
  }

  function select(blob, name) {
    showClientError('');
    forgetResult();
    S.clientCheck(blob, name).then(function (problem) {
      if (problem) { clear(); showClientError(problem); return; }
      if (current && current.url && (!S.shown || S.shown.url !== current.url)) URL.revokeObjectURL(current.url);
      current = { blob: blob, name: name, url: URL.createObjectURL(blob) };
      $('preview').src = current.url;
      $('selected-name').textContent = name;
      $('selected-name').title = name; // a name past three lines is cut (app.css): whole here
      $('selected-size').textContent = human(blob.size);
      $('selected').hidden = false;
      submitBtn.disabled = !!waiting;
    });
  }

  function clear() {
    current = null;
    fileInput.value = '';
    $('selected').hidden = true;
    submitBtn.disabled = true;
  }

  function chooseFiles(list) {
    picking++;
    var files = Array.prototype.slice.call(list || []);
    if (files.length > 1 && S.startBatch) { forgetResult(); clear(); showClientError(''); S.startBatch(files); }
    else if (files.length === 1) select(files[0], files[0].name);
  }

  fileInput.addEventListener('change', function () { chooseFiles(fileInput.files); });
  $('clear-btn').addEventListener('click', function () { picking++; forgetResult(); clear(); showClientError(''); fileInput.focus(); });
  ['dragenter', 'dragover'].forEach(function (ev) {
    dropzone.addEventListener(ev, function (e) { e.preventDefault(); dropzone.classList.add('dragging'); });
  });
  ['dragleave', 'drop'].forEach(function (ev) {
    dropzone.addEventListener(ev, function (e) { e.preventDefault(); dropzone.classList.remove('dragging'); });
  });
  dropzone.addEventListener('drop', function (e) { chooseFiles(e.dataTransfer && e.dataTransfer.files); });

  // ---------------------------------------------------------------- states
  function show(state) {
    ['state-empty', 'state-loading', 'state-error', 'state-result'].forEach(function (id) { $(id).hidden = id !== state; });
  }
  S.showState = show;
  S.focusResult = function () { $('verdict-label').focus(); };

  function showError(title, message, code, canRetry) {
    $('error-title').textContent = title;
    $('error-message').textContent = message;
    $('error-code').textContent = code ? 'Code: ' + code : '';
    $('error-countdown').hidden = true;
    $('retry-btn').hidden = !canRetry;
    $('retry-btn').disabled = false;
    $('retry-btn').textContent = 'Retry';
    $('error-login').hidden = true;
    show('state-error');
    $('error-title').focus();
    S.say(title + '. ' + message);
  }

  /**
   * A rate-limit wait, from this page's own 429 or the batch's: Analyse stays disabled with the
   * reason beside it until the wait ends (pressing it would only earn another 429). A newer wait
   * replaces an older one.
   */
  function holdAnalyse(seconds, tick, done) {
    var note = $('wait-note');
    if (waiting) waiting();
    note.hidden = false;
    submitBtn.disabled = true;
    waiting = S.countdown(seconds, function (left) {
      note.textContent = 'Rate limit reached: Analyse is available again in ' + left + ' s.';
      if (tick) tick(left);
    }, function () {
      waiting = null;
      note.hidden = true;
      submitBtn.disabled = !current;
      if (done) done();
    });
  }
  S.holdAnalyse = function (seconds) { holdAnalyse(seconds); };

  /** 429: the wait counts down on this page; Analyse and Retry come back when it ends. */
  function rateLimited(seconds, body) {
    showError('Too many analyses for now', (body && body.message) || 'The analysis limit was reached.', body && body.code, true);
    var retry = $('retry-btn'), line = $('error-countdown');
    line.hidden = false;
    retry.disabled = true;
    holdAnalyse(seconds, function (left) {
      line.textContent = 'You can analyse again in ' + left + ' s.';
      retry.textContent = 'Retry in ' + left + ' s';
    }, function () {
      line.textContent = 'You can analyse again now.';
      retry.textContent = 'Retry';
      retry.disabled = false;
      S.say('You can analyse again now.');
    });
  }

  /** 401: the login ended while the image was chosen; the file is fine, the way on is to log in again. */
  function loginEnded() {
    var session = window.SentinelSession;
    showError(session.title, session.message('the image'), null, false);
    $('error-login-link').href = session.loginHref();
    $('error-login').hidden = false;
  }

  // ---------------------------------------------------------------- submit
  function submit() {
    if (!current || waiting) return;
    var entry = { blob: current.blob, name: current.name, url: current.url };
    var mine = ++generation;
    var data = new FormData();
    data.append('image', entry.blob, 'upload');
    data.append('explain', $('explain').checked ? 'true' : 'false');
    submitBtn.disabled = true;
    show('state-loading');
    S.say('Analysing ' + entry.name + '…');
    fetch('/api/v1/analyses', { method: 'POST', body: data, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.json().then(
          function (body) { return { ok: res.ok, status: res.status, body: body, res: res }; },
          function () { return { ok: false, status: res.status, body: null, res: res }; }
        );
      })
      .then(function (r) {
        if (mine !== generation) return; // another image was chosen meanwhile: this answer is not about it
        if (r.ok && r.body) {
          entry.result = r.body;
          S.renderResult(entry);
          show('state-result');
          S.focusResult();
        } else if (r.status === 429) rateLimited(S.retryAfter(r.res, r.body), r.body);
        else if (window.SentinelSession && window.SentinelSession.ended(r.status)) loginEnded();
        else if (window.SentinelSession && window.SentinelSession.stale(r.status, r.body)) showError(window.SentinelSession.staleTitle, window.SentinelSession.staleMessage('the image'), r.body.code, false);
        else {
          var b = r.body || {};
          var transient = r.status >= 500;
          showError(transient ? 'The service could not analyse the image right now' : 'This file cannot be analysed', b.message || 'HTTP ' + r.status, b.code, transient);
        }
      })
      .catch(function () {
        if (mine === generation) showError('Network error', 'The request did not reach the server. Check your connection and retry.', null, true);
      })
      .then(function () { if (!waiting) submitBtn.disabled = !current; });
  }

  form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });
  $('retry-btn').addEventListener('click', submit);
  $('pdf-btn').addEventListener('click', function () { S.downloadReport(S.shown, $('pdf-btn'), $('pdf-note')); });
  $('copy-json-btn').addEventListener('click', function () {
    if (!S.shown) return;
    var json = JSON.stringify(S.shown.result, function (k, v) { return k === 'heatmap' || k === 'preview' ? '(data URL omitted)' : v; }, 2);
    var done = function () { $('pdf-note').textContent = 'Result copied as JSON.'; };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(json).then(done, function () { $('pdf-note').textContent = 'Copying is not allowed here.'; });
  });
})();
