// MRI Sentinel: the words and figures of a result as the server writes them. Each function mirrors one
// in src/presentation/labels.ts over the server's words, and a browser spec compares the two over
// every case. Apart from result-view.js so that file stays about rendering; loaded before it.
// Served as a static file (the CSP forbids inline scripts). Adds to window.Sentinel.
(function () {
  'use strict';
  var S = (window.Sentinel = window.Sentinel || {});
  // The server's words (src/presentation/labels.ts pageWords, rendered on <body> by the layout):
  // result-view.js kept its own copy of the label words, and named outcomes its own way.
  var WORDS = (function () {
    var w = {};
    try { w = JSON.parse(document.body.getAttribute('data-words') || '{}'); } catch (e) { w = {}; }
    return { labels: w.labels || {}, codes: w.codes || {}, statuses: w.statuses || {}, stages: w.stages || {}, orientations: w.orientations || {}, noValidatedModelTitle: w.noValidatedModelTitle || '{part} MRI' };
  })();

  // plural.ts countOf, which a browser spec compares this with: "1 file", "0 files", "3 images" ("1 images" was written)
  function count(n, one, many) { return n.toLocaleString('en-GB') + ' ' + (n === 1 ? one : many || one + 's'); }
  // labels.ts percent, which a browser spec compares this with (NaN read "NaN %" here and "—" in the history)
  function pct(v) {
    if (typeof v !== 'number' || !isFinite(v)) return '—';
    var p = v * 100;
    if (p >= 99.95) return '> 99.9 %';
    if (p > 0 && p < 0.05) return '< 0.1 %';
    return p.toFixed(1) + ' %';
  }
  // percent.ts pctBelow (triage-decision.ts re-exports it), which a browser spec compares this with: a figure
  // below its threshold and the threshold, with as many decimals as it takes for the two to differ (0.59996
  // and 0.6 both read "60.0 %")
  function pctBelow(value, threshold) {
    for (var digits = 1; digits < 8; digits++) {
      var v = (value * 100).toFixed(digits), t = (threshold * 100).toFixed(digits);
      if (v !== t) return [v + ' %', t + ' %'];
    }
    return [(value * 100).toFixed(8) + ' %', (threshold * 100).toFixed(8) + ' %'];
  }
  // percent.ts thresholdPercent, which a browser spec compares this with: a threshold as it is (one decimal where
  // that is all it has); pct() rounded CONFIDENCE_THRESHOLD=0.58348 to "58.3 %", below a figure refused under it
  function thresholdPct(t) {
    var p = t * 100;
    for (var digits = 1; digits < 6; digits++) {
      var s = p.toFixed(digits);
      if (Math.abs(Number(s) - p) < 1e-9) return s + ' %';
    }
    return p.toFixed(6) + ' %';
  }
  // percent.ts percentBeside, run with it over one table of cases (test/support/figure-beside-cases.ts): a figure
  // beside its threshold never on the wrong side of it; an answer at 0.58349 under 0.58348 read "58.3 %" beside
  // "58.348 %". Below it pctBelow's figure, at it the threshold's, above it pct() or the decimals it takes to differ
  function pctBeside(value, threshold) {
    if (typeof value !== 'number' || !isFinite(value) || typeof threshold !== 'number' || !isFinite(threshold)) return pct(value);
    if (value < threshold) return pctBelow(value, threshold)[0];
    if (value === threshold) return thresholdPct(threshold);
    for (var digits = 1; digits < 9; digits++) {
      var v = (value * 100).toFixed(digits), t = (threshold * 100).toFixed(digits);
      if (v === t) continue;
      if (digits === 1 && (value * 100 < 99.95 || threshold * 100 <= 99.9)) return pct(value);
      if (Number(v) < 100 || value === 1) return v + ' %';
    }
    var last = (value * 100).toFixed(8);
    return Number(last) < 100 || value === 1 ? last + ' %' : '> 99.999999 %';
  }
  // percent.ts agreementPercent, which a browser spec compares this with: a study's slice agreement as a whole per
  // cent unless that reads on the wrong side of its rule (thresholdPct): below it as pctBelow; at or above it with the
  // rule's decimals where the whole per cent would read below it (0.6049 met under 0.6049 read "60 %" beside "60.49 %")
  function agreementPct(value, threshold) {
    if (value < threshold) return pctBelow(value, threshold)[0];
    var whole = Math.round(value * 100);
    if (whole >= threshold * 100) return whole + ' %';
    var decimals = thresholdPct(threshold).replace(/ %$/, '').split('.')[1];
    return (value * 100).toFixed(decimals ? decimals.length : 0) + ' %';
  }
  // record-reason.ts decidingComparison and probabilityFigure over `thresholds` (model → the threshold it
  // decided at): the figure compared with a threshold (answered, refused or withheld), and a list entry of that
  // same figure, read beside it (pctBeside); the lists gave the refused class "60.0 %" beside "59.996 %"
  function decidingComparison(r, thresholds) {
    var diagnosis = r.stage === 'diagnosis' && r.code !== 'NO_VALIDATED_MODEL';
    var value = r.code === 'NO_VALIDATED_MODEL' ? r.anatomyConfidence : diagnosis ? diagnosisFigure(r)
      : r.code !== 'LOW_CONFIDENCE' ? null : r.stage === 'modality' ? r.mriConfidence : r.stage === 'anatomy' ? r.anatomyConfidence : null;
    var model = diagnosis ? r.task : 'triage';
    return typeof value === 'number' && isFinite(value) && model ? { value: value, threshold: thresholds ? thresholds[model] : undefined } : null;
  }
  // a diagnosis's deciding figure: its confidence, or without one (null or absent) its top probability, as
  // record-reason.ts reads `r.confidence ?? top` (the list kept "60.0 %" where the history gave "59.996 %")
  function diagnosisFigure(r) {
    if (r.confidence !== null && r.confidence !== undefined) return r.confidence;
    var p = r.probabilities || {}, keys = Object.keys(p);
    return keys.length ? p[keys.reduce(function (a, b) { return p[b] > p[a] ? b : a; })] : undefined;
  }
  function decidingPct(r, thresholds, value) {
    var c = decidingComparison(r, thresholds);
    return c && c.value === value ? pctBeside(value, c.threshold) : pct(value);
  }
  // labels.ts humanBytes, which a browser spec compares this with: the upload page wrote "680 B" and
  // "1.0 MB", the study page "12.3 KB", where the history wrote "680 bytes" and "12 KB"
  function bytes(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '—';
    if (n >= 1048576 || Math.round(n / 1024) >= 1024) return +(n / 1048576).toFixed(1) + ' MB';
    if (n >= 1024) return Math.round(n / 1024) + ' KB';
    return n === 1 ? '1 byte' : n + ' bytes';
  }
  // labels.ts humanLabel, displayName, humanCode over the server's words
  function pretty(s) { return !s ? s : WORDS.labels[s] || String(s).replace(/_/g, ' ').replace(/\bmri\b/gi, 'MRI'); }
  function capitalise(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }
  function displayName(s) { return capitalise(pretty(s)); }
  function codeName(c) { return WORDS.codes[c] || capitalise(String(c).toLowerCase().replace(/_/g, ' ')); }
  function stageName(key) { return capitalise(WORDS.stages[key] || key); }

  /** The outcome's one name: labels.ts resultTitle's rule over its words (a browser spec compares the two over every outcome). */
  function headline(r) {
    if (r.status === 'completed' && r.label) return displayName(r.label);
    if (r.code === 'NO_VALIDATED_MODEL' && r.anatomy) return WORDS.noValidatedModelTitle.replace('{part}', displayName(r.anatomy));
    if (r.code) return codeName(r.code);
    return capitalise(r.status);
  }
  // the status's one name, as on the history page and its filter (labels.ts statusName)
  function statusName(status) { return WORDS.statuses[status] || status; }

  // mri-check.ts refusedByImageChecks and mriFigure (a browser spec compares them over every case)
  function refusedByImageChecks(r) {
    var p = r.probabilities;
    if (r.isMri !== false || r.code !== 'NOT_MRI' || !p || !('not_mri' in p)) return false;
    var top = Object.keys(p).reduce(function (a, b) { return p[b] > p[a] ? b : a; });
    return top !== 'not_mri';
  }
  // refused as not confidently an MRI: the one LOW_CONFIDENCE with isMri false (mri-check.ts unsureMri)
  function unsureMri(r) { return r.isMri === false && r.code === 'LOW_CONFIDENCE'; }
  // mri-check.ts overSlices: one slice has no average ("over all 1 slices")
  function overSlices(n) { return n === 1 ? 'on its one slice' : 'on average over all ' + (typeof n === 'number' ? n + ' ' : 'the ') + 'slices'; }
  // mri-check.ts sliceMeanMri: a study refused because most of its slices were not confidently MRI has for its
  // figure the mean P(MRI) over all its slices, confident ones included, and says so ("MRI 63.8 %" alone read as
  // a figure above the 60 % threshold it was refused at); null for anything else
  function sliceMeanMri(r) {
    if (!r.study || !unsureMri(r) || r.mriConfidence === null || r.mriConfidence === undefined) return null;
    var n = r.study.sliceCount;
    return 'MRI ' + pct(r.mriConfidence) + ' ' + overSlices(n);
  }
  // mri-check.ts sliceMeanNotMri: a study the triage model refused on most of its slices has for its figure
  // 1 − the mean P(MRI) over all its slices, and says so (its message quotes the first refused slice's own)
  function sliceMeanNotMri(r) {
    if (!r.study || r.isMri !== false || r.code !== 'NOT_MRI' || r.mriConfidence === null || r.mriConfidence === undefined || imageCheckRefusal(r) || refusedByImageChecks(r)) return null;
    var n = r.study.sliceCount;
    return pct(1 - r.mriConfidence) + ' ' + overSlices(n);
  }
  // mri-check.ts imageCheckRefusal: the image check that refused it (the answer's refusal), or null
  var IMAGE_CHECKS = { colour: 'the colour check', bright_background: 'the bright-background check', head_ct: 'the head-CT check', triage_ood: 'the out-of-distribution check' };
  function imageCheckRefusal(r) {
    var check = r.refusal && r.isMri === false && Object.prototype.hasOwnProperty.call(IMAGE_CHECKS, r.refusal.cause) ? IMAGE_CHECKS[r.refusal.cause] : null;
    if (!check) return null;
    var f = r.refusal.figures || {};
    if (typeof f.refusedSlices !== 'number' || typeof f.slices !== 'number') return 'refused by ' + check;
    // the check named refused only some of them (NOT_MRI is every not-MRI check's code): how many
    var some = typeof f.causeSlices === 'number' && f.causeSlices < f.refusedSlices;
    return f.refusedSlices + ' of ' + f.slices + ' slices refused' + (some ? ', ' + f.causeSlices + ' by ' : ' by ') + check;
  }
  function mriFigure(r) {
    if (r.isMri === null || r.isMri === undefined || r.mriConfidence === null || r.mriConfidence === undefined) return null;
    return r.isMri || refusedByImageChecks(r) || unsureMri(r) ? r.mriConfidence : 1 - r.mriConfidence;
  }

  /**
   * mri-check.ts mriCheck, the history's and the PDF's words for the same record (a browser spec
   * compares the two over every case): this list wrote "MRI · 97.0 %" where they wrote "MRI (97.0 %)".
   * A NOT_MRI an image check decided (the answer's refusal) names that check, without a model figure; a record
   * without its cause that the image checks refused while the model said MRI names the checks and the model's figure;
   * one not confidently an MRI, P(MRI) as its message compares it with `thresholds` (model → threshold), or
   * for a study (r.study) the mean over its slices, named as such (sliceMeanMri).
   */
  function mriCheck(r, thresholds) {
    if (r.isMri === null || r.isMri === undefined) return '—';
    if (r.mriConfidence === null || r.mriConfidence === undefined) return (r.isMri ? 'MRI' : 'not MRI') + ' (from the DICOM header; no model ran)';
    // the check that refused it, and no model figure: the model's did not decide
    var check = imageCheckRefusal(r);
    if (check) return 'not MRI (' + check + ')';
    var t = (thresholds || {}).triage;
    // P(MRI), the figure the triage threshold judged: never on the wrong side of it (pctBeside); 1 − P(MRI) was not
    if (refusedByImageChecks(r)) return 'not MRI (refused by the image checks; the model alone: MRI ' + pctBeside(mriFigure(r), t) + ')';
    var meanNot = sliceMeanNotMri(r);
    if (meanNot) return 'not MRI (' + meanNot + ')';
    if (unsureMri(r)) {
      var mean = sliceMeanMri(r);
      if (mean) return 'not confidently MRI (' + mean + ')';
      return 'not confidently MRI (MRI ' + pctBeside(r.mriConfidence, t) + ')';
    }
    return r.isMri ? 'MRI (' + pctBeside(r.mriConfidence, t) + ')' : 'not MRI (' + pct(mriFigure(r)) + ')';
  }

  // labels.ts bodyPartLine, as the history detail and the PDF write it (a browser spec compares the
  // two over every case): this list wrote "Brain · 97.0 %" where they wrote "Brain (97.0 %)". Beside
  // `thresholds`.triage (pctBeside): refused below it "59.99 %", not "60.0 %"; answered at 0.58349 under 0.58348 "58.349 %".
  function bodyPart(r, thresholds) {
    if (!r.anatomy) return '—';
    return displayName(r.anatomy) + ' (' + pctBeside(r.anatomyConfidence, (thresholds || {}).triage) + ')';
  }

  // A figure with its per-cent sign ("99.3 %", "> 99.9 %", "59.996 %", "≥ 60.0 %") as view-helpers.ts FIGURE_PATTERN finds
  // them: the message text stays the server's, but each figure goes in a span that does not wrap (the "%"
  // of "(99.3 % calibrated confidence)" started a line at some phone widths). view-helpers.ts does the same
  // for the server-rendered pages.
  var FIGURE = /(?:[<>\u2264\u2265] )?(?:\d+(?:\.\d+)?[-\u2013])?\d+(?:\.\d+)? %/g;
  function showMessage(node, text) {
    node.textContent = '';
    var s = text == null ? '' : String(text), at = 0, m;
    FIGURE.lastIndex = 0;
    while ((m = FIGURE.exec(s))) {
      if (m.index > at) node.appendChild(document.createTextNode(s.slice(at, m.index)));
      var span = document.createElement('span');
      span.className = 'figure';
      span.textContent = m[0];
      node.appendChild(span);
      at = m.index + m[0].length;
    }
    if (at < s.length) node.appendChild(document.createTextNode(s.slice(at)));
  }

  S.pretty = pretty;
  S.showMessage = showMessage;
  S.displayName = displayName;
  S.statusName = statusName;
  S.pct = pct;
  S.count = count;
  S.pctBelow = pctBelow;
  S.pctBeside = pctBeside;
  S.thresholdPct = thresholdPct;
  S.agreementPct = agreementPct;
  S.decidingPct = decidingPct;
  S.diagnosisFigure = diagnosisFigure;
  S.stageName = stageName;
  S.refusedByImageChecks = refusedByImageChecks;
  S.imageCheckRefusal = imageCheckRefusal;
  S.mriFigure = mriFigure;
  S.mriCheck = mriCheck;
  S.bodyPart = bodyPart;
  S.bytes = bytes;
  S.headline = headline;
  /** Which way round a study's slices are shown (StudyMeta.plane; null: unknown), in the server's words. */
  S.orientationLine = function (plane) { return WORDS.orientations[plane || 'unknown'] || ''; };
})();
