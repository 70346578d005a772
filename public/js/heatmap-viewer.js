// MRI Sentinel: the heat-map viewer — the heat map over the image with an opacity slider and an
// on/off switch (no re-run), a colour legend, zoom and pan (buttons, wheel, keyboard, drag), and
// the original beside it, and what the map is (the class it is for, the method, what it is not).
// Static file (CSP). Adds Sentinel.mountViewer(slot, imageUrl, heatUrl, labelName, noFocus).
(function () {
  'use strict';
  var S = (window.Sentinel = window.Sentinel || {});
  var MIN = 1, MAX = 8, STEP = 1.25;
  var uid = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    if (text) e.textContent = text;
    return e;
  }

  /**
   * `labelName`: the display name of the class the map is for (the answer shown). `noFocus`: the
   * answer's map has no region standing out (explanation.focus 'none'): the server's words instead of a map.
   */
  S.mountViewer = function (slot, imageUrl, heatUrl, labelName, noFocus) {
    slot.textContent = '';
    var id = 'v' + (++uid);
    var grid = el('div', { class: 'viewer-grid' + (heatUrl ? '' : ' single') });
    var orig = el('figure', { class: 'viewer-orig' });
    orig.appendChild(el('img', { src: imageUrl || '', alt: 'The analysed image', id: 'result-original' }));
    orig.appendChild(el('figcaption', null, 'Original'));
    grid.appendChild(orig);
    slot.appendChild(grid);
    if (!heatUrl && noFocus) slot.appendChild(el('p', { class: 'small muted no-focus-note', id: 'no-focus-note' }, document.body.getAttribute('data-no-focus-note') || ''));
    if (!heatUrl) return;

    var fig = el('figure', { class: 'viewer-main', id: 'heatmap-figure' });
    var port = el('div', {
      class: 'viewport', tabindex: '0', role: 'group', 'aria-roledescription': 'zoomable image',
      'aria-label': 'Heat map over the image', 'aria-describedby': id + '-keys',
    });
    var stage = el('div', { class: 'viewer-stage' });
    stage.appendChild(el('img', { src: imageUrl || '', alt: '', class: 'viewer-base' }));
    var forWhat = labelName ? ' for ' + labelName : '';
    var heat = el('img', { src: heatUrl, alt: 'Class activation map (CAM)' + forWhat + ' over the image', id: 'result-heatmap', class: 'viewer-heat' });
    stage.appendChild(heat);
    port.appendChild(stage);
    fig.appendChild(port);
    fig.appendChild(el('figcaption', null, (labelName ? 'Heat map for ' + labelName : 'Heat map') + ' over the image'));
    grid.appendChild(fig);

    var controls = el('div', { class: 'viewer-controls' });
    var toggleLabel = el('label', { class: 'toggle' });
    var toggle = el('input', { type: 'checkbox', id: 'heat-toggle', checked: '' });
    toggleLabel.appendChild(toggle);
    toggleLabel.appendChild(document.createTextNode(' Heat map'));
    controls.appendChild(toggleLabel);
    var opLabel = el('label', { for: 'heat-opacity', class: 'small' }, 'Opacity');
    var opacity = el('input', { type: 'range', id: 'heat-opacity', min: '0', max: '100', step: '5', value: '70' });
    var opOut = el('output', { for: 'heat-opacity', class: 'small', id: 'heat-opacity-value' }, '70 %');
    controls.appendChild(opLabel);
    controls.appendChild(opacity);
    controls.appendChild(opOut);
    var zoomGroup = el('div', { class: 'zoom-buttons', role: 'group', 'aria-label': 'Zoom' });
    var zin = el('button', { type: 'button', class: 'btn icon', 'aria-label': 'Zoom in', id: 'zoom-in' }, '+');
    var zout = el('button', { type: 'button', class: 'btn icon', 'aria-label': 'Zoom out', id: 'zoom-out' }, '−');
    var zreset = el('button', { type: 'button', class: 'btn icon wide', id: 'zoom-reset' }, 'Reset');
    var zlevel = el('span', { class: 'small muted zoom-level', id: 'zoom-level', 'aria-live': 'polite' }, '100 %');
    [zin, zout, zreset, zlevel].forEach(function (b) { zoomGroup.appendChild(b); });
    controls.appendChild(zoomGroup);
    slot.appendChild(controls);

    var legend = el('div', { class: 'legend' });
    legend.appendChild(el('span', { class: 'small' }, 'Less'));
    legend.appendChild(el('span', { class: 'legend-bar', 'aria-hidden': 'true' }));
    legend.appendChild(el('span', { class: 'small' }, 'More influence on the answer'));
    slot.appendChild(legend);
    // the server's words (HEATMAP_NOTE, on <body> by the layout): method, not a segmentation, not clinical
    slot.appendChild(el('p', { class: 'small muted heatmap-note' }, document.body.getAttribute('data-heatmap-note') || ''));
    slot.appendChild(el('p', { class: 'small muted', id: id + '-keys' }, 'Zoom: the buttons, or click the image and use + and − or the wheel; pan: arrow keys or drag; 0 resets.'));

    var z = 1, x = 0, y = 0;
    function clamp() {
      // keep the zoomed image covering the viewport: pan limited to the overflow
      var w = port.clientWidth, h = port.clientHeight;
      var mx = (w * z - w) / 2, my = (h * z - h) / 2;
      x = Math.max(-mx, Math.min(mx, x));
      y = Math.max(-my, Math.min(my, y));
    }
    function apply() {
      clamp();
      stage.style.transform = 'translate(' + x + 'px,' + y + 'px) scale(' + z + ')';
      zlevel.textContent = Math.round(z * 100) + ' %';
      // aria-disabled, not disabled: a focused button that turned disabled at its bound dropped the
      // keyboard focus to <body> (zoom() is a no-op there, so the button needs no other guard)
      zout.setAttribute('aria-disabled', String(z <= MIN));
      zin.setAttribute('aria-disabled', String(z >= MAX));
      port.classList.toggle('zoomed', z > MIN);
    }
    function zoom(f) { z = Math.max(MIN, Math.min(MAX, z * f)); if (z < 1.01) { z = 1; x = 0; y = 0; } apply(); }
    function setOpacity() {
      heat.style.opacity = toggle.checked ? String(opacity.value / 100) : '0';
      opacity.disabled = !toggle.checked;
      opOut.textContent = opacity.value + ' %';
    }
    toggle.addEventListener('change', setOpacity);
    opacity.addEventListener('input', setOpacity);
    zin.addEventListener('click', function () { zoom(STEP); });
    zout.addEventListener('click', function () { zoom(1 / STEP); });
    zreset.addEventListener('click', function () { z = 1; x = 0; y = 0; apply(); });
    // the wheel zooms once the viewer has focus (click or Tab) or with Ctrl: otherwise it scrolls the page
    port.addEventListener('wheel', function (e) {
      if (document.activeElement !== port && !e.ctrlKey) return;
      e.preventDefault();
      zoom(e.deltaY < 0 ? STEP : 1 / STEP);
    }, { passive: false });
    port.addEventListener('pointerdown', function () { port.focus(); });
    port.addEventListener('keydown', function (e) {
      var pan = 40, handled = true;
      if (e.key === '+' || e.key === '=') zoom(STEP);
      else if (e.key === '-' || e.key === '_') zoom(1 / STEP);
      else if (e.key === '0') { z = 1; x = 0; y = 0; apply(); }
      else if (e.key === 'ArrowLeft') { x += pan; apply(); }
      else if (e.key === 'ArrowRight') { x -= pan; apply(); }
      else if (e.key === 'ArrowUp') { y += pan; apply(); }
      else if (e.key === 'ArrowDown') { y -= pan; apply(); }
      else handled = false;
      if (handled) e.preventDefault();
    });
    // one pointer drags (when zoomed); two touch pointers pinch
    var drag = null, pointers = {}, pinch = null;
    function capture(id) { try { port.setPointerCapture(id); } catch (err) { /* pointer already gone */ } }
    function spread() {
      var p = Object.keys(pointers).map(function (k) { return pointers[k]; });
      return p.length === 2 ? Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y) : 0;
    }
    port.addEventListener('pointerdown', function (e) {
      pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
      if (Object.keys(pointers).length === 2) { drag = null; pinch = { d: spread(), z: z }; capture(e.pointerId); }
      else if (z > 1) { drag = { x: e.clientX - x, y: e.clientY - y }; capture(e.pointerId); }
    });
    port.addEventListener('pointermove', function (e) {
      if (pointers[e.pointerId]) pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
      if (pinch && pinch.d > 0) { e.preventDefault(); z = pinch.z; zoom(spread() / pinch.d); }
      else if (drag) { x = e.clientX - drag.x; y = e.clientY - drag.y; apply(); }
    });
    function up(e) { delete pointers[e.pointerId]; drag = null; if (Object.keys(pointers).length < 2) pinch = null; }
    port.addEventListener('pointerup', up);
    // a mouse drag over the images would start the browser's own image drag-and-drop, which cancels
    // the pointer after its first move (the pan stopped after a few pixels)
    port.addEventListener('dragstart', function (e) { e.preventDefault(); });
    port.addEventListener('pointercancel', up);
    setOpacity();
    apply();
  };
})();
