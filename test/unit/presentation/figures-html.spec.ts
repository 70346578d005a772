/**
 * view-helpers.ts `figures`: a message as sent, each figure with its "%" in a span that does not wrap,
 * and the rest escaped (the helper's output is written unescaped by Handlebars).
 */
import { figuresHtml, joinsHtml } from '../../../src/common/view-helpers';

describe('figuresHtml', () => {
  it('wraps every figure and its per-cent sign, the words left as sent', () => {
    expect(figuresHtml('Most likely: glioma (99.3 % calibrated confidence).').toHTML()).toBe('Most likely: glioma (<span class="figure">99.3 %</span> calibrated confidence).');
    expect(figuresHtml('(glioma, 59.996 %) is below the 60.000 % confidence threshold.').toHTML()).toBe(
      '(glioma, <span class="figure">59.996 %</span>) is below the <span class="figure">60.000 %</span> confidence threshold.',
    );
    expect(figuresHtml('MRI (> 99.9 %), < 0.1 % left').toHTML()).toBe('MRI (<span class="figure">&gt; 99.9 %</span>), <span class="figure">&lt; 0.1 %</span> left');
  });

  it('escapes the text around the figures', () => {
    expect(figuresHtml('<script>"x" & \'y\'</script>, 5 %').toHTML()).toBe('&lt;script&gt;&quot;x&quot; &amp; &#x27;y&#x27;&lt;/script&gt;, <span class="figure">5 %</span>');
    // a model card's figure names: the bound's sign stays with its figure
    expect(figuresHtml('answered (≥ 60.0 %, ≤ 5 %)').toHTML()).toBe('answered (<span class="figure">≥ 60.0 %</span>, <span class="figure">≤ 5 %</span>)');
    expect(figuresHtml(null).toHTML()).toBe('');
    expect(figuresHtml('no figure').toHTML()).toBe('no figure');
  });
});

describe('joinsHtml', () => {
  it('lets a name break after each "_" or "/" and nowhere else, escaped', () => {
    expect(joinsHtml('spine_lumbar_axial').toHTML()).toBe('spine_<wbr>lumbar_<wbr>axial');
    expect(joinsHtml('CC BY 4.0 (DBC-Lab/Brain_MRI <x>)').toHTML()).toBe('CC BY 4.0 (DBC-Lab/<wbr>Brain_<wbr>MRI &lt;x&gt;)');
    expect(joinsHtml('trailing_ / ').toHTML()).toBe('trailing_ / ');
    expect(joinsHtml(null).toHTML()).toBe('');
  });
});
