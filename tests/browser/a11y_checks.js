// Run in the page by tests/browser/test_accessibility.py; returns the violations found.
() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const inline = (a) => {
    const p = a.parentElement;
    return a.tagName === 'A' && p && ['P', 'LI', 'SPAN', 'STRONG'].includes(p.tagName)
      && p.textContent.trim() !== a.textContent.trim();
  };
  const small = [];
  for (const el of document.querySelectorAll('a, button, input, select, textarea, summary')) {
    if (el.type === 'hidden' || !visible(el) || inline(el) || el.closest('.skip')) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 44 - 0.5 || r.height < 44 - 0.5)
      small.push(`${el.tagName}.${el.className} "${(el.textContent || el.name).trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  const unlabelled = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) unlabelled.push(el.name || el.id);
  }
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const lowContrast = [];
  for (const el of document.querySelectorAll('body *')) {
    const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !visible(el)) continue;
    const s = getComputedStyle(el), size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    const a = lum(rgb(s.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < (large ? 3 : 4.5)) lowContrast.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return {small, unlabelled, lowContrast};
}
