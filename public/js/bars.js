// MRI Sentinel: widths of server-rendered bars (data-width="42%"). Set from a static script
// because a strict CSP may forbid inline style attributes.
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('[data-width]'), function (el) {
    el.style.width = el.getAttribute('data-width');
  });
})();
