// MRI Sentinel upload page. Served as a static file (the CSP forbids inline scripts).
// The page is a client of the public API: POST /api/v1/analyses, JSON result rendered here.
(function () {
  'use strict';

  var form = document.getElementById('analyse-form');
  if (!form) return;
  var MAX_BYTES = Number(form.getAttribute('data-max-bytes')) || 5 * 1024 * 1024;
  var MAX_LABEL = form.getAttribute('data-max-label') || '5 MB';
  var STAGES = [
    ['file', 'File checks'],
    ['modality', 'Is it an MRI?'],
    ['anatomy', 'Body part'],
    ['diagnosis', 'Diagnosis'],
  ];

  var $ = function (id) { return document.getElementById(id); };
  var fileInput = $('file-input');
  var dropzone = $('dropzone');
  var submitBtn = $('submit-btn');
  var clientError = $('client-error');
  var current = null; // { blob, name, url }

  // ---------------------------------------------------------------- source toggle
  var tabs = [['tab-upload', 'pane-upload'], ['tab-samples', 'pane-samples']];
  tabs.forEach(function (pair) {
    $(pair[0]).addEventListener('click', function () {
      tabs.forEach(function (p) {
        var on = p[0] === pair[0];
        $(p[0]).classList.toggle('active', on);
        $(p[0]).setAttribute('aria-selected', on ? 'true' : 'false');
        $(p[1]).hidden = !on;
      });
    });
  });

  // ---------------------------------------------------------------- choosing a file
  function human(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
    if (n >= 1024) return (n / 1024).toFixed(0) + ' KB';
    return n + ' B';
  }

  function showClientError(msg) {
    clientError.textContent = msg;
    clientError.hidden = !msg;
  }

  // The server checks the bytes too; this only spares the user a pointless upload.
  function sniff(blob) {
    return blob.slice(0, 8).arrayBuffer().then(function (buf) {
      var b = new Uint8Array(buf);
      if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
      var png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
      if (b.length >= 8 && png.every(function (v, i) { return b[i] === v; })) return 'png';
      return null;
    });
  }

  function select(blob, name) {
    showClientError('');
    if (blob.size > MAX_BYTES) {
      clear();
      showClientError('“' + name + '” is ' + human(blob.size) + '; the limit is ' + MAX_LABEL + '.');
      return;
    }
    sniff(blob).then(function (type) {
      if (!type) {
        clear();
        showClientError('“' + name + '” is not a JPEG or PNG image.');
        return;
      }
      if (current && current.url) URL.revokeObjectURL(current.url);
      current = { blob: blob, name: name, url: URL.createObjectURL(blob) };
      $('preview').src = current.url;
      $('selected-name').textContent = name;
      $('selected-size').textContent = human(blob.size);
      $('selected').hidden = false;
      submitBtn.disabled = false;
    });
  }

  function clear() {
    if (current && current.url) URL.revokeObjectURL(current.url);
    current = null;
    fileInput.value = '';
    $('selected').hidden = true;
    submitBtn.disabled = true;
  }

  fileInput.addEventListener('change', function () {
    if (fileInput.files && fileInput.files[0]) select(fileInput.files[0], fileInput.files[0].name);
  });
  $('clear-btn').addEventListener('click', function () { clear(); showClientError(''); });

  ['dragenter', 'dragover'].forEach(function (ev) {
    dropzone.addEventListener(ev, function (e) { e.preventDefault(); dropzone.classList.add('dragging'); });
  });
  ['dragleave', 'drop'].forEach(function (ev) {
    dropzone.addEventListener(ev, function (e) { e.preventDefault(); dropzone.classList.remove('dragging'); });
  });
  dropzone.addEventListener('drop', function (e) {
    var f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (f) select(f, f.name);
  });

  Array.prototype.forEach.call(document.querySelectorAll('[data-sample]'), function (btn) {
    btn.addEventListener('click', function () {
      var file = btn.getAttribute('data-sample');
      Array.prototype.forEach.call(document.querySelectorAll('.sample.chosen'), function (b) { b.classList.remove('chosen'); });
      btn.classList.add('chosen');
      fetch('/samples/' + encodeURIComponent(file), { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.blob(); })
        .then(function (b) { select(b, file); })
        .catch(function () { showClientError('Could not load the sample image.'); });
    });
  });

  // ---------------------------------------------------------------- states
  function show(state) {
    ['state-empty', 'state-loading', 'state-error', 'state-result'].forEach(function (id) {
      $(id).hidden = id !== state;
    });
  }

  function showError(title, message, code, canRetry) {
    $('error-title').textContent = title;
    $('error-message').textContent = message;
    $('error-code').textContent = code ? 'Code: ' + code : '';
    $('retry-btn').hidden = !canRetry;
    show('state-error');
  }

  // ---------------------------------------------------------------- submit
  function submit() {
    if (!current) return;
    var data = new FormData();
    data.append('image', current.blob, 'upload');
    data.append('explain', $('explain').checked ? 'true' : 'false');
    submitBtn.disabled = true;
    show('state-loading');
    fetch('/api/v1/analyses', { method: 'POST', body: data, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.json().then(
          function (body) { return { ok: res.ok, status: res.status, body: body }; },
          function () { return { ok: false, status: res.status, body: null }; }
        );
      })
      .then(function (r) {
        if (r.ok && r.body) renderResult(r.body);
        else {
          var b = r.body || {};
          var transient = r.status >= 500 || r.status === 429;
          showError(transient ? 'The service could not analyse the image right now' : 'This file cannot be analysed',
            b.message || 'HTTP ' + r.status, b.code, transient);
        }
      })
      .catch(function () {
        showError('Network error', 'The request did not reach the server. Check your connection and retry.', null, true);
      })
      .then(function () { submitBtn.disabled = !current; });
  }

  form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });
  $('retry-btn').addEventListener('click', submit);

  // ---------------------------------------------------------------- rendering
  function pct(v) { return typeof v === 'number' ? (v * 100).toFixed(1) + '%' : '—'; }
  // Labels are model keys (not_mri, other_mri, notumor): show them as words a reader expects.
  function pretty(s) {
    if (!s) return s;
    if (s === 'notumor') return 'no tumour';
    return String(s).replace(/_/g, ' ').replace(/\bmri\b/gi, 'MRI');
  }
  function capitalise(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function headline(r) {
    if (r.status === 'completed') return capitalise(pretty(r.label));
    if (r.code === 'NOT_MRI') return 'Not an MRI image';
    if (r.code === 'UNSUPPORTED_BODY_PART') return 'Unsupported body part';
    if (r.code === 'NO_VALIDATED_MODEL') return 'No validated model for ' + pretty(r.anatomy);
    if (r.code === 'LOW_CONFIDENCE') return 'Unable to determine';
    return pretty(r.status);
  }

  function renderResult(r) {
    var badge = $('status-badge');
    badge.textContent = r.status;
    badge.className = 'badge ' + r.status;
    $('verdict').className = 'verdict ' + r.status;
    $('verdict-label').textContent = headline(r);
    $('verdict-message').textContent = r.message;

    var hasConf = typeof r.confidence === 'number';
    $('confidence-block').hidden = !hasConf;
    if (hasConf) {
      $('confidence-value').textContent = pct(r.confidence) + (r.task ? ' · ' + pretty(r.task) : '');
      $('confidence-bar').style.width = Math.round(r.confidence * 100) + '%';
    }

    $('result-original').src = current ? current.url : '';
    var heat = r.explanation && r.explanation.heatmap;
    $('heatmap-figure').hidden = !heat;
    $('result-heatmap').src = heat || '';

    var probs = $('probs');
    probs.textContent = '';
    var entries = Object.keys(r.probabilities || {}).map(function (k) { return [k, r.probabilities[k]]; });
    entries.sort(function (a, b) { return b[1] - a[1]; });
    $('probs-title').textContent = 'Probabilities' + (r.task ? ' — ' + pretty(r.task) : '');
    entries.forEach(function (e, i) {
      var li = el('li', i === 0 ? 'top' : '');
      li.appendChild(el('span', 'prob-label', pretty(e[0])));
      var bar = el('span', 'bar small');
      var fill = el('span');
      fill.style.width = Math.max(0.5, e[1] * 100).toFixed(1) + '%';
      bar.appendChild(fill);
      li.appendChild(bar);
      li.appendChild(el('span', 'prob-value', pct(e[1])));
      probs.appendChild(li);
    });

    var stages = $('stages');
    stages.textContent = '';
    var decided = STAGES.map(function (s) { return s[0]; }).indexOf(r.stage);
    STAGES.forEach(function (s, i) {
      var state = i < decided ? 'passed' : i > decided ? 'skipped' : r.status === 'completed' ? 'passed' : r.status === 'inconclusive' ? 'warn' : 'failed';
      var li = el('li', 'stage ' + state);
      li.appendChild(el('span', 'stage-name', s[1]));
      var detail = '';
      if (s[0] === 'file' && i <= decided) detail = 'JPEG/PNG, size and resolution OK';
      if (s[0] === 'modality' && r.mriConfidence !== null && r.mriConfidence !== undefined) detail = (r.isMri ? 'MRI' : 'not MRI') + ' · ' + pct(r.isMri ? r.mriConfidence : 1 - r.mriConfidence); // confidence in the verdict shown
      if (s[0] === 'anatomy' && r.anatomy) detail = pretty(r.anatomy) + ' · ' + pct(r.anatomyConfidence);
      if (s[0] === 'diagnosis' && i === decided) detail = r.label ? pretty(r.label) : pretty(r.code);
      if (i === decided && r.status !== 'completed') detail = (detail ? detail + ' — ' : '') + 'decided here';
      li.appendChild(el('span', 'stage-detail', detail || (state === 'skipped' ? 'not reached' : '')));
      stages.appendChild(li);
    });

    var meta = $('meta-list');
    meta.textContent = '';
    Object.keys(r.modelVersions || {}).forEach(function (k) {
      meta.appendChild(el('dt', null, 'Model ' + k));
      meta.appendChild(el('dd', null, r.modelVersions[k]));
    });
    Object.keys(r.timingsMs || {}).forEach(function (k) {
      meta.appendChild(el('dt', null, 'Time: ' + k));
      meta.appendChild(el('dd', null, r.timingsMs[k] + ' ms'));
    });
    show('state-result');
  }
})();
