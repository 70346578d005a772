// MRI Sentinel: renders one analysis result into the result card, and the helpers the upload
// page and the batch queue share (words for model keys, countdowns, the PDF of a result).
// Served as a static file (the CSP forbids inline scripts). Defines window.Sentinel.
(function () {
  'use strict';
  var S = (window.Sentinel = window.Sentinel || {});
  var $ = function (id) { return document.getElementById(id); };
  // the pipeline in order; its names are the server's (pageWords stages): this list said "Is it an MRI?" where the history said "MRI check"
  var STAGES = ['file', 'modality', 'anatomy', 'diagnosis'];
  // The server's words (src/presentation/labels.ts pageWords, rendered on <body> by the layout):
  // this file kept its own copy of the label words, and named outcomes its own way.
  var WORDS = (function () {
    var w = {};
    try { w = JSON.parse(document.body.getAttribute('data-words') || '{}'); } catch (e) { w = {}; }
    return { labels: w.labels || {}, codes: w.codes || {}, statuses: w.statuses || {}, stages: w.stages || {}, noValidatedModelTitle: w.noValidatedModelTitle || '{part} MRI' };
  })();

  // labels.ts percent, which a browser spec compares this with (NaN read "NaN %" here and "—" in the history)
  function pct(v) {
    if (typeof v !== 'number' || !isFinite(v)) return '—';
    var p = v * 100;
    if (p >= 99.95) return '> 99.9 %';
    if (p > 0 && p < 0.05) return '< 0.1 %';
    return p.toFixed(1) + ' %';
  }
  // labels.ts humanBytes, which a browser spec compares this with: the upload page wrote "680 B" and
  // "1.0 MB", the study page "12.3 KB", where the history wrote "680 bytes" and "12 KB"
  function bytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '—';
    if (n >= 1048576 || Math.round(n / 1024) >= 1024) return +(n / 1048576).toFixed(1) + ' MB';
    if (n >= 1024) return Math.round(n / 1024) + ' KB';
    return n === 1 ? '1 byte' : n + ' bytes';
  }
  /** a bar's CSS width for a probability: never 0 (a sliver stays visible), never pct()'s "< 0.1 %" */
  S.barWidth = function (v) { return Math.max(0.5, Math.min(100, (Number(v) || 0) * 100)).toFixed(1) + '%'; };
  // labels.ts humanLabel, displayName, humanCode over the server's words
  function pretty(s) { return !s ? s : WORDS.labels[s] || String(s).replace(/_/g, ' ').replace(/\bmri\b/gi, 'MRI'); }
  function capitalise(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }
  function displayName(s) { return capitalise(pretty(s)); }
  function codeName(c) { return WORDS.codes[c] || capitalise(String(c).toLowerCase().replace(/_/g, ' ')); }
  function stageName(key) { return capitalise(WORDS.stages[key] || key); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function models() {
    var form = $('analyse-form');
    try { return JSON.parse((form && form.getAttribute('data-models')) || '{}'); } catch (e) { return {}; }
  }

  /** The outcome's one name: labels.ts resultTitle's rule over its words (a browser spec compares the two over every outcome). */
  function headline(r) {
    if (r.status === 'completed' && r.label) return displayName(r.label);
    if (r.code === 'NO_VALIDATED_MODEL' && r.anatomy) return WORDS.noValidatedModelTitle.replace('{part}', displayName(r.anatomy));
    if (r.code) return codeName(r.code);
    return capitalise(r.status);
  }
  // "recognised, no validated model" is an informative outcome, not a failure
  function tone(r) { return r.code === 'NO_VALIDATED_MODEL' ? 'info' : r.status; }
  // the status's one name, as on the history page and its filter (labels.ts statusName)
  function statusName(status) { return WORDS.statuses[status] || status; }
  function badgeText(r) { return statusName(r.status); }

  /** Seconds from a 429's Retry-After header (or the message), at least 1. */
  S.retryAfter = function (res, body) {
    var h = res && res.headers && Number(res.headers.get('Retry-After'));
    if (h > 0) return Math.ceil(h);
    var m = body && body.message && /(\d+) second/.exec(body.message);
    return m ? Number(m[1]) : 60;
  };

  /** Calls tick(remaining) every second, then done(); returns a cancel function. */
  S.countdown = function (seconds, tick, done) {
    var left = seconds;
    tick(left);
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) { clearInterval(timer); done(); } else tick(left);
    }, 1000);
    return function () { clearInterval(timer); };
  };

  S.say = function (text) { var live = $('live'); if (live) { live.textContent = ''; setTimeout(function () { live.textContent = text; }, 30); } };

  /**
   * The file name the server gave the PDF (Content-Disposition, labels.ts reportFileName). This file
   * named it itself, with today's date instead of the analysis date.
   */
  S.fileName = function (res, fallback) {
    var m = /filename="([^"]+)"/.exec((res && res.headers && res.headers.get('Content-Disposition')) || '');
    return m ? m[1] : fallback;
  };

  /** The PDF of *this* result: its own image, named by its history id (the server checks the sha256). */
  S.downloadReport = function (entry, btn, note) {
    if (!entry || !entry.result) return;
    var data = new FormData();
    data.append('image', entry.blob, 'image');
    if (entry.result.analysisId) data.append('analysisId', entry.result.analysisId);
    btn.disabled = true;
    note.textContent = 'Preparing the report…';
    window.fetch('/api/v1/reports', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (res) {
        if (res.ok) return res.blob().then(function (blob) { return { blob: blob, name: S.fileName(res, 'mri-sentinel-report.pdf') }; });
        return res.json().then(function (b) {
          if (res.status === 429) {
            // the button comes back when the Retry-After wait is over
            var label = btn.textContent;
            S.countdown(S.retryAfter(res, b), function (left) { btn.disabled = true; note.textContent = 'Too many requests: the report can be downloaded in ' + left + ' s.'; },
              function () { btn.disabled = false; btn.textContent = label; note.textContent = 'You can download the report now.'; });
            throw new Error('');
          }
          if (window.SentinelSession && window.SentinelSession.ended(res.status)) {
            // the login ended: "Please log in." alone gave no way back; the link returns to this page
            note.textContent = window.SentinelSession.title + ': the report was not made. ';
            note.appendChild(window.SentinelSession.loginLink());
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
        if (err.message) { note.textContent = err.message; btn.disabled = false; }
      })
      .then(function () { if (note.textContent.indexOf('can be downloaded in') < 0) btn.disabled = false; });
  };

  function confidenceBlock(r) {
    var info = models();
    // Only the diagnosis model's figure is "the" confidence; refusals show their stage figure in the pipeline list.
    var show = r.stage === 'diagnosis' && typeof r.confidence === 'number' && r.code !== 'NO_VALIDATED_MODEL';
    $('confidence-block').hidden = !show;
    if (!show) return;
    var m = info[r.task] || {};
    var thr = typeof m.threshold === 'number' ? m.threshold : 0.6;
    $('confidence-name').textContent = 'Calibrated confidence · ' + (m.title || pretty(r.task));
    $('confidence-value').textContent = pct(r.confidence);
    $('confidence-bar').style.width = Math.round(r.confidence * 100) + '%';
    // the colour says what the service decided (an out-of-distribution image is refused however
    // confident the model is), the mark where the threshold the server applied lies
    $('confidence-bar').className = r.status === 'completed' ? 'above' : 'below';
    $('threshold-mark').style.left = (thr * 100).toFixed(1) + '%';
    var p = $('confidence-explain');
    p.textContent = 'Calibrated: of answers given with this confidence on the test images, about that share were right; below the '
      + pct(thr) + ' threshold (the mark on the bar) the service says “Unable to determine” instead of guessing. ';
    if (m.href) { var a = el('a', null, 'Model card'); a.href = m.href; p.appendChild(a); }
  }

  // labels.ts refusedByImageChecks and mriFigure (a browser spec compares them over every case)
  function refusedByImageChecks(r) {
    var p = r.probabilities;
    if (r.isMri !== false || r.code !== 'NOT_MRI' || !p || !('not_mri' in p)) return false;
    var top = Object.keys(p).reduce(function (a, b) { return p[b] > p[a] ? b : a; });
    return top !== 'not_mri';
  }
  function mriFigure(r) {
    if (r.isMri === null || r.isMri === undefined || r.mriConfidence === null || r.mriConfidence === undefined) return null;
    return r.isMri || refusedByImageChecks(r) ? r.mriConfidence : 1 - r.mriConfidence;
  }

  /**
   * labels.ts mriCheck, the history's and the PDF's words for the same record (a browser spec
   * compares the two over every case): this list wrote "MRI · 97.0 %" where they wrote "MRI (97.0 %)".
   * A NOT_MRI the image checks decided while the model said MRI names the checks and the model's own figure.
   */
  function mriCheck(r) {
    if (r.isMri === null || r.isMri === undefined) return '—';
    if (r.mriConfidence === null || r.mriConfidence === undefined) return (r.isMri ? 'MRI' : 'not MRI') + ' (from the DICOM header; no model ran)';
    if (refusedByImageChecks(r)) return 'not MRI (refused by the image checks; the model alone: MRI ' + pct(mriFigure(r)) + ')';
    return (r.isMri ? 'MRI' : 'not MRI') + ' (' + pct(mriFigure(r)) + ')';
  }

  // labels.ts bodyPartLine, as the history detail and the PDF write it (a browser spec compares the
  // two over every case): this list wrote "Brain · 97.0 %" where they wrote "Brain (97.0 %)"
  function bodyPart(r) { return r.anatomy ? displayName(r.anatomy) + ' (' + pct(r.anatomyConfidence) + ')' : '—'; }

  function stageFigure(r, key, reached) {
    if (key === 'file') return reached ? 'JPEG/PNG, size and resolution OK' : '';
    if (key === 'modality' && typeof r.mriConfidence === 'number') return mriCheck(r);
    if (key === 'anatomy' && r.anatomy) return bodyPart(r);
    if (key === 'diagnosis' && reached) {
      if (r.code === 'NO_VALIDATED_MODEL') return 'no validated model for ' + pretty(r.anatomy) + ' yet';
      if (typeof r.confidence === 'number') return (r.label ? displayName(r.label) : 'top answer') + ' · ' + pct(r.confidence);
    }
    return '';
  }

  function renderStages(r) {
    var stages = $('stages');
    stages.textContent = '';
    var decided = STAGES.indexOf(r.stage);
    STAGES.forEach(function (key, i) {
      var state = i < decided ? 'passed' : i > decided ? 'skipped' : r.status === 'completed' ? 'passed' : r.code === 'NO_VALIDATED_MODEL' ? 'info' : r.status === 'inconclusive' ? 'warn' : 'failed';
      var li = el('li', 'stage ' + state);
      li.appendChild(el('span', 'stage-name', stageName(key)));
      var detail = stageFigure(r, key, i <= decided);
      if (i === decided && r.status !== 'completed') detail = (detail ? detail + ' — ' : '') + 'decided here';
      li.appendChild(el('span', 'stage-detail', detail || (state === 'skipped' ? 'not reached' : '')));
      stages.appendChild(li);
    });
  }

  function renderProbs(r) {
    var probs = $('probs');
    probs.textContent = '';
    var entries = Object.keys(r.probabilities || {}).map(function (k) { return [k, r.probabilities[k]]; });
    entries.sort(function (a, b) { return b[1] - a[1]; });
    $('probs-title').textContent = 'Probabilities' + (r.task ? ' — ' + pretty(r.task) : '');
    entries.forEach(function (e, i) {
      var li = el('li', i === 0 ? 'top' : '');
      li.appendChild(el('span', 'prob-label', displayName(e[0])));
      var bar = el('span', 'bar small');
      bar.setAttribute('aria-hidden', 'true');
      var fill = el('span');
      fill.style.width = S.barWidth(e[1]);
      bar.appendChild(fill);
      li.appendChild(bar);
      li.appendChild(el('span', 'prob-value', pct(e[1])));
      probs.appendChild(li);
    });
  }

  // The words come from the server (EXPERIMENTAL_NOTICE, rendered on <body> by the layout).
  var EXPERIMENTAL = document.body.getAttribute('data-experimental-notice') || 'Experimental model.';

  /**
   * Fills `node` (a .experimental-note) with the caveat and a link to the answering model's card
   * when `r.experimental`, and hides it otherwise: the warning sits at the answer, not only on
   * the model-card page. Used by the single result, the batch list and the study page.
   */
  S.experimentalNote = function (node, r) {
    node.textContent = '';
    node.hidden = !r.experimental;
    if (!r.experimental) return;
    node.appendChild(document.createTextNode(EXPERIMENTAL + ' '));
    var a = el('a', null, 'Model card');
    a.href = '/models/' + encodeURIComponent(r.task || '');
    node.appendChild(a);
  };

  /** Fills `node` (a .caveat-note) with what the answering model's held-out figures say against the answer, or hides it. */
  S.caveatNote = function (node, r) {
    node.textContent = r.caveat || '';
    node.hidden = !r.caveat;
  };

  /** Renders `entry.result` (the image it came from is entry.url) and moves focus to its heading. */
  S.renderResult = function (entry, opts) {
    var r = entry.result;
    var badge = $('status-badge');
    badge.textContent = badgeText(r);
    badge.className = 'badge ' + tone(r);
    $('verdict').className = 'verdict ' + tone(r);
    $('verdict-label').textContent = headline(r);
    $('verdict-message').textContent = r.message;
    S.caveatNote($('verdict-caveat'), r);
    S.experimentalNote($('verdict-experimental'), r);
    $('verdict-file').textContent = entry.name ? 'Image: ' + entry.name : '';
    confidenceBlock(r);
    var heat = r.explanation && r.explanation.heatmap;
    if (S.mountViewer) S.mountViewer($('viewer-slot'), entry.url, heat || null);
    renderProbs(r);
    renderStages(r);
    var meta = $('meta-list');
    meta.textContent = '';
    Object.keys(r.modelVersions || {}).forEach(function (k) {
      meta.appendChild(el('dt', null, 'Model ' + pretty(k)));
      var dd = el('dd', null, r.modelVersions[k] + ' ');
      var info = models()[k];
      if (info && info.href) { var a = el('a', null, 'model card'); a.href = info.href; dd.appendChild(a); }
      meta.appendChild(dd);
    });
    Object.keys(r.timingsMs || {}).forEach(function (k) {
      meta.appendChild(el('dt', null, 'Time: ' + k));
      meta.appendChild(el('dd', null, r.timingsMs[k] + ' ms'));
    });
    $('pdf-note').textContent = '';
    $('pdf-btn').hidden = !r.analysisId;
    S.shown = entry;
    if (!(opts && opts.quiet)) {
      S.say('Result: ' + headline(r) + (typeof r.confidence === 'number' && r.stage === 'diagnosis' ? ', ' + pct(r.confidence) : ''));
    }
  };

  S.pretty = pretty;
  S.displayName = displayName;
  S.statusName = statusName;
  S.pct = pct;
  S.stageName = stageName;
  S.refusedByImageChecks = refusedByImageChecks;
  S.mriFigure = mriFigure;
  S.mriCheck = mriCheck;
  S.bodyPart = bodyPart;
  S.bytes = bytes;
  S.headline = headline;
  S.el = el;
})();
