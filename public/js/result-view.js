// MRI Sentinel: renders one analysis result into the result card, and the helpers the upload
// page and the batch queue share (countdowns; the PDF of a result is report-download.js's). The words and figures are figures.js's.
// Served as a static file (the CSP forbids inline scripts). Defines window.Sentinel.
(function () {
  'use strict';
  var S = (window.Sentinel = window.Sentinel || {});
  var $ = function (id) { return document.getElementById(id); };
  // the pipeline in order; its names are the server's (pageWords stages): this list said "Is it an MRI?" where the history said "MRI check"
  var STAGES = ['file', 'modality', 'anatomy', 'diagnosis'];
  // the words and figures mirrored from labels.ts live in figures.js, which every page loads before this file
  var pct = S.pct, pretty = S.pretty, displayName = S.displayName, statusName = S.statusName, stageName = S.stageName;
  var headline = S.headline, mriCheck = S.mriCheck, bodyPart = S.bodyPart;
  /** a bar's CSS width for a probability: never 0 (a sliver stays visible), never pct()'s "< 0.1 %" */
  S.barWidth = function (v) { return Math.max(0.5, Math.min(100, (Number(v) || 0) * 100)).toFixed(1) + '%'; };
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
  // model → the threshold `r` was decided at: its own `thresholds`, else data-models (the page's, which read a
  // refusal at 0.54996 under a since-changed 0.55 as "55.0 %" below the old 60.0 %)
  function thresholds(r) {
    if (r && r.thresholds && typeof r.thresholds === 'object') return r.thresholds;
    var info = models(), t = {};
    Object.keys(info).forEach(function (k) { if (typeof info[k].threshold === 'number') t[k] = info[k].threshold; });
    return t;
  }
  /** the threshold of `model` that `r` was decided at (thresholds(r)); the card default when none is known */
  function thresholdOf(r, model) {
    var t = thresholds(r)[model];
    return typeof t === 'number' ? t : 0.6;
  }

  // "recognised, no validated model" is an informative outcome, not a failure
  function tone(r) { return r.code === 'NO_VALIDATED_MODEL' ? 'info' : r.status; }
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
   * A diagnosis withheld although the model's figure reached the threshold it was decided at: the
   * one other reason (diagnosis-decision.ts) is an image unlike the model's training data. The
   * page explained it with "below the 60.0 % threshold" under a bar at 94.0 %.
   */
  function withheldOutOfDistribution(r) {
    var thr = thresholdOf(r, r.task);
    var figure = S.diagnosisFigure(r); // without a confidence, the top probability (record-reason.ts withheldOutOfDistribution)
    return r.stage === 'diagnosis' && r.code === 'LOW_CONFIDENCE' && typeof figure === 'number' && figure >= thr;
  }

  S.withheldOutOfDistribution = withheldOutOfDistribution;
  S.confidenceText = function (r) { return confidenceText(r); };

  function confidenceBlock(r) {
    var info = models();
    // Only the diagnosis model's figure is "the" confidence; refusals show their stage figure in the pipeline list.
    var show = r.stage === 'diagnosis' && typeof r.confidence === 'number' && r.code !== 'NO_VALIDATED_MODEL';
    $('confidence-block').hidden = !show;
    if (!show) return;
    var m = info[r.task] || {};
    var thr = thresholdOf(r, r.task); // the answer's own, as its message compares it
    $('confidence-name').textContent = 'Calibrated confidence · ' + (m.title || pretty(r.task));
    // never on the wrong side of the threshold: refused at 0.59996 it read "60.0 %" beside a 60.0 % mark, answered
    // at 0.58349 under 0.58348 "58.3 %" beside "below the 58.348 % threshold" (pctBeside)
    var below = r.status !== 'completed' && r.confidence < thr ? S.pctBelow(r.confidence, thr) : null;
    $('confidence-value').textContent = S.pctBeside(r.confidence, thr);
    $('confidence-bar').style.width = Math.round(r.confidence * 100) + '%';
    // the colour says what the service decided (an out-of-distribution image is refused however
    // confident the model is), the mark where the threshold the server applied lies
    $('confidence-bar').className = r.status === 'completed' ? 'above' : 'below';
    $('threshold-mark').style.left = (thr * 100).toFixed(1) + '%';
    var p = $('confidence-explain');
    // each figure whole ("below the 60.0" / "% threshold" at 335 px), as in the message above it
    S.showMessage(p, (withheldOutOfDistribution(r)
      ? 'Not an answer: the model’s top class reached ' + S.pctBeside(r.confidence, thr) + ', above the ' + S.thresholdPct(thr)
        + ' threshold (the mark on the bar), but the image is unlike the images it was trained on, and there its confidence is not to be trusted. '
      : '')
      + 'Calibrated: of answers given with this confidence on the test images, about that share were right; below the '
      + (below ? below[1] : S.thresholdPct(thr)) + ' threshold (the mark on the bar) the service says “Unable to determine” instead of guessing. ');
    // an experimental answer's warning, just above, links the same card: two "Model card" links to one page
    if (m.href && !r.experimental) { var a = el('a', null, 'Model card'); a.href = m.href; p.appendChild(a); }
  }

  /** The diagnosis figure beside the threshold it was decided at (figures.js decidingPct). */
  function confidenceText(r) { return S.decidingPct(r, thresholds(r), r.confidence); }

  function stageFigure(r, key, reached) {
    if (key === 'file') return reached ? 'JPEG/PNG, size and resolution OK' : '';
    if (key === 'modality' && typeof r.mriConfidence === 'number') return mriCheck(r, thresholds(r));
    if (key === 'anatomy' && r.anatomy) return bodyPart(r, thresholds(r));
    if (key === 'diagnosis' && reached) {
      if (r.code === 'NO_VALIDATED_MODEL') return 'no validated model for ' + pretty(r.anatomy) + ' yet';
      if (typeof r.confidence === 'number') return (r.label ? displayName(r.label) : 'top answer') + ' · ' + confidenceText(r);
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
    $('probs-title').textContent = 'Probabilities' + (r.task ? ' — ' + pretty(r.task) : '');
    S.probList($('probs'), r, thresholds(r));
  }

  /**
   * A result's probabilities, largest first, into `ul` (this page's list, the study's and a slice's):
   * the class a refusal compared with `thresholds` (model → threshold) as its message gives it.
   */
  S.probList = function (ul, r, thresholds) {
    ul.textContent = '';
    var entries = Object.keys(r.probabilities || {}).map(function (k) { return [k, r.probabilities[k]]; });
    entries.sort(function (a, b) { return b[1] - a[1]; });
    entries.forEach(function (e, i) {
      var li = el('li', i === 0 ? 'top' : '');
      li.appendChild(el('span', 'prob-label', displayName(e[0])));
      var bar = el('span', 'bar small');
      bar.setAttribute('aria-hidden', 'true');
      var fill = el('span');
      fill.style.width = S.barWidth(e[1]);
      bar.appendChild(fill);
      li.appendChild(bar);
      li.appendChild(el('span', 'prob-value', S.decidingPct(r, thresholds, e[1])));
      ul.appendChild(li);
    });
  };

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
    // its figures kept whole as the message's are: "called 9" / "% of the tumour-free slices" on a phone
    S.showMessage(node, r.caveat || '');
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
    S.showMessage($('verdict-message'), r.message);
    S.caveatNote($('verdict-caveat'), r);
    S.experimentalNote($('verdict-experimental'), r);
    $('verdict-file').textContent = entry.name ? 'Image: ' + entry.name : '';
    confidenceBlock(r);
    // focus 'none': no region stands out, the map is the image alone; the viewer says so instead of showing it
    var noFocus = !!(r.explanation && r.explanation.focus === 'none');
    var heat = r.explanation && !noFocus && r.explanation.heatmap;
    // r.preview: the image as analysed, where the browser would draw the file otherwise (16-bit grey, ICC profile, PNG gamma)
    // a map comes with an answer only (AnalysisService): it is for r.label, named beside it
    if (S.mountViewer) S.mountViewer($('viewer-slot'), r.preview || entry.url, heat || null, r.label ? displayName(r.label) : null, noFocus);
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
      meta.appendChild(el('dd', null, Number(r.timingsMs[k]).toFixed(1) + ' ms'));
    });
    $('pdf-note').textContent = '';
    $('pdf-btn').hidden = !r.analysisId;
    S.shown = entry;
    if (!(opts && opts.quiet)) {
      // a withheld answer's figure is not announced as if it were the result's ("Unable to determine, 94.0 %")
      var figure = typeof r.confidence === 'number' && r.stage === 'diagnosis' && !withheldOutOfDistribution(r) ? ', ' + confidenceText(r) : '';
      S.say('Result: ' + headline(r) + (withheldOutOfDistribution(r) ? ' (the image is unlike the model’s training data)' : figure));
    }
  };

  S.el = el;
})();
