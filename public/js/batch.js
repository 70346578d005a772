// MRI Sentinel: the batch queue. Up to 20 images chosen or dropped at once are analysed one
// request at a time (the API stays one image per request); a 429 pauses the queue for the
// Retry-After wait, counted down on the page, then the same image is sent again.
// Static file (CSP). Adds Sentinel.startBatch(files).
(function () {
  'use strict';
  var S = window.Sentinel || {};
  var card = document.getElementById('batch');
  if (!card || !S.renderResult) return;
  var MAX = 20;
  var $ = function (id) { return document.getElementById(id); };
  var list = $('batch-list');
  var queue = [];
  var running = false;
  var run = 0; // bumps when the batch is cleared: a late answer for a cleared batch is dropped

  var LABELS = { queued: 'Queued', analysing: 'Analysing…', waiting: 'Waiting (rate limit)', done: '', failed: 'Failed' };

  function setStatus(item, status, text) {
    item.status = status;
    item.li.className = 'batch-item ' + status;
    item.statusEl.textContent = text || LABELS[status];
    item.bar.value = status === 'done' || status === 'failed' ? 1 : 0;
    if (status === 'analysing') item.bar.removeAttribute('value'); // indeterminate while on the server
    update();
  }

  function update() {
    var answered = queue.filter(function (i) { return i.status === 'done'; }).length;
    var failed = queue.filter(function (i) { return i.status === 'failed'; }).length;
    var unanswered = queue.filter(function (i) { return i.status === 'done' && i.result.status !== 'completed'; }).length;
    $('batch-progress').max = Math.max(1, queue.length);
    $('batch-progress').value = answered + failed;
    // a failed row (file refused, login ended, network) was not analysed: it is not counted as if it had been
    $('batch-summary').textContent = answered + ' of ' + queue.length + ' analysed' + (unanswered ? ' · ' + unanswered + ' without an answer' : '') + (failed ? ' · ' + failed + ' not analysed' : '');
  }

  function add(file) {
    var li = S.el('li', 'batch-item queued');
    var name = S.el('span', 'batch-name', file.name);
    var statusEl = S.el('span', 'batch-status');
    var bar = document.createElement('progress');
    bar.max = 1;
    bar.setAttribute('aria-label', 'Progress of ' + file.name);
    var actions = S.el('span', 'batch-actions');
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(statusEl);
    li.appendChild(actions);
    list.appendChild(li);
    var item = { blob: file, name: file.name, url: null, li: li, bar: bar, statusEl: statusEl, actions: actions };
    queue.push(item);
    setStatus(item, 'queued');
    return item;
  }

  function finished(item, result) {
    item.result = result;
    item.url = URL.createObjectURL(item.blob);
    // a withheld answer's figure is not shown as if it were the result's ("Unable to determine · 94.0 %")
    var withheld = S.withheldOutOfDistribution(result);
    // the row leads with the status the single result's badge gives ("Rejected: Not an MRI image"): a
    // refusal read like an answer (same full bar, no status) until it was opened
    var status = S.statusName(result.status);
    setStatus(item, 'done', status.charAt(0).toUpperCase() + status.slice(1) + ': ' + S.headline(result) + (withheld ? ' · image unlike the model’s training data' : result.stage === 'diagnosis' && typeof result.confidence === 'number' && result.code !== 'NO_VALIDATED_MODEL' ? ' · ' + S.confidenceText(result) : ''));
    item.li.classList.add(result.code === 'NO_VALIDATED_MODEL' ? 'info' : result.status);
    if (result.caveat) {
      var limit = S.el('p', 'caveat-note');
      S.caveatNote(limit, result);
      item.li.appendChild(limit);
    }
    if (result.experimental) {
      // the caveat belongs next to the answer in the list too, not only once the result is opened
      var caveat = S.el('p', 'experimental-note');
      S.experimentalNote(caveat, result);
      item.li.appendChild(caveat);
    }
    var open = S.el('button', 'btn small-btn', 'Open');
    open.type = 'button';
    open.setAttribute('aria-label', 'Open the result of ' + item.name);
    open.addEventListener('click', function () {
      S.renderResult(item);
      S.showState('state-result');
      S.focusResult();
    });
    item.actions.appendChild(open);
    if (result.analysisId) {
      var pdf = S.el('button', 'btn small-btn', 'PDF');
      pdf.type = 'button';
      pdf.setAttribute('aria-label', 'PDF report of ' + item.name);
      var note = S.el('span', 'muted small');
      note.setAttribute('role', 'status'); // said when it changes, as the single result's #pdf-note (it was silent)
      pdf.addEventListener('click', function () { S.downloadReport(item, pdf, note); });
      item.actions.appendChild(pdf);
      item.actions.appendChild(note);
    }
  }

  function pause(seconds, then) {
    var line = $('batch-wait');
    line.hidden = false;
    // the limit is the user's, not the batch's: the single Analyse waits too (app.js)
    if (S.holdAnalyse) S.holdAnalyse(seconds);
    S.countdown(seconds, function (left) { line.textContent = 'Rate limit reached: the queue continues in ' + left + ' s.'; }, function () {
      line.hidden = true;
      then();
    });
  }

  /** Marks this item and every one not yet sent as failed, and stops the queue: the rest would fail the same way. */
  function stop(item, why) {
    running = false;
    setStatus(item, 'failed', 'Not analysed: ' + why);
    queue.forEach(function (i) { if (i.status === 'queued' || i.status === 'waiting') setStatus(i, 'failed', 'Not sent: ' + why); });
  }

  /** The way on after a stop: `title`: the rest of the batch was not sent. <link>, then choose the images again. */
  function stopped(title, link) {
    var line = $('batch-wait');
    line.textContent = title + ': the rest of the batch was not sent. ';
    line.appendChild(link);
    line.appendChild(document.createTextNode(', then choose the images again — they are never kept.'));
    line.hidden = false;
    S.say(title + '. The batch stopped.');
  }

  /** 401: the login ended. Sending the rest would only fail the same way: stop, say so, link to the login. */
  function loginEnded(item) {
    var session = window.SentinelSession;
    stop(item, 'your login has ended');
    stopped(session.title, session.loginLink());
  }

  /**
   * 403 from the CSRF check (session.js): this page's token belongs to an earlier login, so every
   * image would be refused alike — stop, and offer the reload that gives the page the current token.
   */
  function pageStale(item) {
    var session = window.SentinelSession;
    stop(item, 'this page is out of date');
    var reload = document.createElement('a');
    reload.href = window.location.pathname + window.location.search;
    reload.textContent = 'Reload the page';
    stopped(session.staleTitle, reload);
  }

  function next() {
    var mine = run;
    var item = queue.filter(function (i) { return i.status === 'queued' || i.status === 'waiting'; })[0];
    if (!item) { running = false; S.say('Batch finished: ' + S.count(queue.length, 'image') + '.'); return; }
    running = true;
    S.clientCheck(item.blob, item.name).then(function (problem) {
      if (mine !== run) return;
      if (problem) { setStatus(item, 'failed', problem); next(); return; }
      setStatus(item, 'analysing');
      var data = new FormData();
      data.append('image', item.blob, 'upload');
      data.append('explain', $('explain').checked ? 'true' : 'false');
      fetch('/api/v1/analyses', { method: 'POST', body: data, credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (res) {
          return res.json().then(function (b) { return { res: res, body: b }; }, function () { return { res: res, body: null }; });
        })
        .then(function (r) {
          if (mine !== run) return;
          if (r.res.ok && r.body) { finished(item, r.body); next(); }
          else if (r.res.status === 429) { setStatus(item, 'waiting'); pause(S.retryAfter(r.res, r.body), function () { if (mine === run) next(); }); }
          else if (window.SentinelSession && window.SentinelSession.ended(r.res.status)) loginEnded(item);
          else if (window.SentinelSession && window.SentinelSession.stale(r.res.status, r.body)) pageStale(item);
          else { setStatus(item, 'failed', (r.body && r.body.message) || 'HTTP ' + r.res.status); next(); }
        })
        .catch(function () { if (mine === run) { setStatus(item, 'failed', 'Network error'); next(); } });
    });
  }

  S.startBatch = function (files) {
    card.hidden = false;
    var room = MAX - queue.length;
    files.slice(0, Math.max(0, room)).forEach(add);
    var dropped = files.length - Math.max(0, room);
    $('batch-wait').hidden = dropped <= 0;
    if (dropped > 0) $('batch-wait').textContent = S.count(dropped, 'image') + ' left out: a batch holds up to ' + MAX + '.';
    S.say('Batch of ' + S.count(queue.length, 'image') + ' queued.');
    card.scrollIntoView({ block: 'nearest' });
    if (!running) next();
  };

  $('batch-clear').addEventListener('click', function () {
    run++;
    running = false;
    queue.forEach(function (i) { if (i.url && (!S.shown || S.shown !== i)) URL.revokeObjectURL(i.url); });
    queue = [];
    list.textContent = '';
    $('batch-wait').hidden = true;
    card.hidden = true;
    $('file-input').focus();
  });
})();
