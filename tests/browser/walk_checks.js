// Run in the page by tests/browser/test_rider_walk.py (see its docstring for the rules).
// Returns what the page shows, for Python to judge the language, and the layout violations.
() => {
  const vw = document.documentElement.clientWidth;
  // Inside a closed <details>, past its <summary>: folded away.
  const folded = (node) => {
    let child = node;
    for (let n = node.parentNode; n && n !== document.body; child = n, n = n.parentNode) {
      if (n.tagName === 'DETAILS' && !n.open && child.tagName !== 'SUMMARY') return true;
    }
    return false;
  };
  const shown = (el) => {
    if (folded(el) || !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  // Visually hidden on purpose (a screen-reader-only label, the skip link until focused).
  const srOnly = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return (r.width <= 1 && r.height <= 1) || s.clip === 'rect(0px, 0px, 0px, 0px)'
      || s.clipPath === 'inset(50%)' || !!el.closest('.skip');
  };
  const describe = (el) => {
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '')
      .trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${cls} "${text}"`;
  };
  const pageLang = (document.documentElement.lang || '').toLowerCase().slice(0, 2);
  // Text deliberately in another language: the switch names each language in its own.
  const otherLang = (el) => {
    const marked = el.closest('[lang]');
    return marked && marked !== document.documentElement
      && marked.getAttribute('lang').toLowerCase().slice(0, 2) !== pageLang;
  };
  const skipped = (el) => !!el.closest('script, style, noscript, template, [aria-hidden="true"]');

  // 1. Visible text: text nodes, and the attributes a reader hears or sees.
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const value = node.textContent.replace(/\s+/g, ' ').trim();
    const el = node.parentElement;
    if (!value || !el || el.closest('select') || skipped(el) || otherLang(el) || !shown(el)) continue;
    if (folded(node)) continue;
    texts.push({text: value, where: describe(el)});
  }
  for (const select of document.body.querySelectorAll('select')) {
    if (skipped(select) || otherLang(select) || !shown(select)) continue;
    const options = Array.from(select.options, (o) => o.text.replace(/\s+/g, ' ').trim());
    texts.push({text: options.filter(Boolean).join(' / '), where: `select[name=${select.name}] options`});
  }
  for (const el of document.body.querySelectorAll('[placeholder], [aria-label], [alt], [title], input[type=submit][value], input[type=button][value]')) {
    if (skipped(el) || otherLang(el) || !shown(el)) continue;
    for (const name of ['placeholder', 'aria-label', 'alt', 'title', 'value']) {
      if (name === 'value' && !['submit', 'button'].includes(el.type)) continue;
      const value = (el.getAttribute(name) || '').trim();
      if (value) texts.push({text: value, where: `${describe(el)} [${name}]`});
    }
  }
  texts.push({text: document.title, where: '<title>'});

  // 2. Wider than the viewport: the outermost element that sticks out, unless an ancestor
  // scrolls or clips it sideways on purpose (a scrolling strip of chips).
  const overflow = [];
  if (document.documentElement.scrollWidth > vw) {
    overflow.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px > ${vw} px`);
  }
  const clipsSideways = (el) => {
    for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(n).overflowX)) return true;
    }
    return false;
  };
  const wide = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    if (skipped(el) || !shown(el) || srOnly(el)) continue;
    const r = el.getBoundingClientRect();
    if ((r.right > vw + 0.5 || r.left < -0.5) && !clipsSideways(el)) {
      wide.add(el);
      if (el.parentElement && wide.has(el.parentElement)) continue;
      overflow.push(`${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} px`);
    }
  }

  // 3. Tap targets under 44×44. A link inside running text is exempt (WCAG 2.5.8 "inline");
  // a checkbox or radio is measured by its label, which is what the thumb hits.
  const small = [];
  const inline = (el) => {
    const p = el.parentElement;
    return el.tagName === 'A' && p && ['P', 'LI', 'SPAN', 'STRONG', 'SMALL', 'EM', 'DD', 'TD'].includes(p.tagName)
      && p.textContent.replace(/\s+/g, '').length > el.textContent.replace(/\s+/g, '').length;
  };
  const choice = (el) => el.tagName === 'INPUT' && ['checkbox', 'radio'].includes(el.type);
  const targets = new Set();
  for (const el of document.body.querySelectorAll('a[href], button, input, select, textarea, summary, label')) {
    if (el.tagName === 'LABEL') {
      const control = el.control;
      if (control && choice(control)) targets.add(el);
      continue;
    }
    if (el.type === 'hidden') continue;
    if (choice(el) && el.labels && el.labels.length) continue;  // its label is measured
    targets.add(el);
  }
  for (const el of targets) {
    if (skipped(el) || !shown(el) || srOnly(el) || inline(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 44 - 0.5 || r.height < 44 - 0.5) {
      small.push(`${describe(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return {lang: document.documentElement.lang, texts, overflow, small};
}
