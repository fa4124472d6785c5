// Appended to a report page by html_render_test and run by headless chromium: finds everything
// the page's layout cuts off or pushes out of sight, and writes the verdict as JSON into
// a <pre> with the id render-check-verdict, which the test reads back from --dump-dom.
//
// What counts as not rendered fully:
//  - clipped: text (or a child box) beyond the padding box of an ancestor whose overflow is
//    hidden or clip (this includes text-overflow: ellipsis, which needs overflow: hidden, and
//    an <svg>, which clips what lies outside its viewport);
//  - spilling out of a table cell: text wider than its cell paints over the neighbouring cells;
//  - svg text outside its <svg>, or over another text of the same <svg>;
//  - off-page: anything right of the viewport (or left of it), outside any scroll container;
//  - missing glyph: a character no installed font has, drawn as an empty box.
// What does not count: content inside a scroll container (overflow auto or scroll, e.g. the
// <pre> blocks and the .scroll table wrappers) can be reached by scrolling it; the container
// itself is checked in its place instead. Closed <details> are opened first so that their
// contents are laid out and checked too.
(function () {
  'use strict';
  const kTolerance = 0.5;  // px: sub-pixel rounding between layout and scroll sizes
  const kMaxProblems = 50;
  const problems = [];
  const seen = new Set();
  let total = 0;

  function describe(el) {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) s += '#' + e.id;
      const cls = typeof e.className === 'string' ? e.className.trim() : '';
      if (cls) s += '.' + cls.split(/\s+/).join('.');
      parts.unshift(s);
      if (e === document.body) break;
    }
    return parts.join(' > ');
  }

  function snippet(text) {
    const t = (text || '').replace(/\s+/g, ' ').trim();
    return t.length > 160 ? t.slice(0, 157) + '...' : t;
  }

  function report(kind, el, text, detail) {
    const key = kind + '|' + describe(el) + '|' + snippet(text);
    if (seen.has(key)) return;
    seen.add(key);
    ++total;
    if (problems.length < kMaxProblems) {
      problems.push({kind: kind, element: describe(el), text: snippet(text), detail: detail});
    }
  }

  function px(v) {
    return Math.round(v * 10) / 10;
  }

  function isClip(v) {
    return v === 'hidden' || v === 'clip';
  }

  function isScroll(v) {
    return v === 'auto' || v === 'scroll';
  }

  // The padding box of `el` in viewport coordinates: where its overflow is cut off.
  function paddingBox(el) {
    const r = el.getBoundingClientRect();
    const left = r.left + el.clientLeft, top = r.top + el.clientTop;
    // An <svg> has no client box of its own in every engine: its viewport is its border box.
    if (el.clientWidth === 0 && el.clientHeight === 0) return r;
    return {left: left, top: top, right: left + el.clientWidth, bottom: top + el.clientHeight};
  }

  // Follows the box `rect` of text in `el` up from `el`: reports the first box that cuts it off
  // or the table cell it spills out of, stops at the first scroll container (reachable from
  // there; the container is checked on its own), and reports what ends up outside the viewport.
  function checkBox(el, rect, text) {
    const vw = document.documentElement.clientWidth;
    let cellChecked = false;
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const style = getComputedStyle(a);
      const ox = style.overflowX, oy = style.overflowY;
      if (isClip(ox) || isClip(oy)) {
        const b = paddingBox(a);
        const cutX = isClip(ox) && (rect.left < b.left - kTolerance || rect.right > b.right + kTolerance);
        const cutY = isClip(oy) && (rect.top < b.top - kTolerance || rect.bottom > b.bottom + kTolerance);
        if (cutX || cutY) {
          report('clipped', a, text,
                 'content at x ' + px(rect.left) + '..' + px(rect.right) + ', y ' + px(rect.top) + '..' +
                     px(rect.bottom) + ' is cut off by overflow ' + ox + '/' + oy + ' of a box at x ' +
                     px(b.left) + '..' + px(b.right) + ', y ' + px(b.top) + '..' + px(b.bottom));
          return;
        }
      }
      if (isScroll(ox)) return;  // reachable by scrolling `a`, whose own box is checked apart
      // Text wider than its (nearest) cell paints over the next cells.
      if (!cellChecked && (a.tagName === 'TD' || a.tagName === 'TH')) {
        cellChecked = true;
        const c = a.getBoundingClientRect();
        if (rect.left < c.left - kTolerance || rect.right > c.right + kTolerance) {
          report('spills out of its table cell', a, text,
                 'text spans x ' + px(rect.left) + '..' + px(rect.right) + ', the cell ' + px(c.left) +
                     '..' + px(c.right));
          return;
        }
      }
    }
    if (rect.left < -kTolerance || rect.right > vw + kTolerance) {
      report('off-page', el, text,
             'spans x ' + px(rect.left) + '..' + px(rect.right) + ' in a viewport ' + vw + ' px wide');
    }
  }

  function insideScroller(el) {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (isScroll(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  }

  function check() {
    for (const d of document.querySelectorAll('details')) d.open = true;
    const verdictId = 'render-check-verdict';
    let texts = 0;

    // 1. Every rendered piece of text. Its bounding box (of all its line boxes) lies inside a box
    // exactly when every line does, and costs one check where a JSON body has thousands of lines.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.data.trim() || el.closest('script,style,#' + verdictId)) continue;
      if (el instanceof SVGElement) continue;  // svg text: 3 below, in the svg's own terms
      range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;  // not rendered (display: none)
      ++texts;
      checkBox(el, r, n.data);
    }

    // 2. Boxes that clip what they hold (overflow hidden or clip, text-overflow: ellipsis): any
    // overflow at all is content nobody can see. An <svg> is left to the text check above and
    // to 3 (its scroll size is not that of what it draws).
    for (const el of document.body.querySelectorAll('*')) {
      if (el instanceof SVGElement) continue;
      const style = getComputedStyle(el);
      if (isClip(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        report('clipped', el, el.textContent,
               'content ' + el.scrollWidth + ' px wide in a box ' + el.clientWidth + ' px wide (overflow-x ' +
                   style.overflowX + (style.textOverflow === 'ellipsis' ? ', text-overflow ellipsis' : '') +
                   ')');
      }
      if (isClip(style.overflowY) && el.scrollHeight > el.clientHeight + 1) {
        report('clipped', el, el.textContent,
               'content ' + el.scrollHeight + ' px high in a box ' + el.clientHeight + ' px high (overflow-y ' +
                   style.overflowY + ')');
      }
    }

    // 3. SVG text: inside its <svg>, and clear of the other texts there.
    for (const svg of document.querySelectorAll('svg')) {
      const s = svg.getBoundingClientRect();
      const boxes = [];
      for (const t of svg.querySelectorAll('text')) {
        const r = t.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.left < s.left - kTolerance || r.right > s.right + kTolerance || r.top < s.top - kTolerance ||
            r.bottom > s.bottom + kTolerance) {
          report('svg text outside its svg', t, t.textContent,
                 'text at x ' + px(r.left) + '..' + px(r.right) + ', y ' + px(r.top) + '..' + px(r.bottom) +
                     '; the svg at x ' + px(s.left) + '..' + px(s.right) + ', y ' + px(s.top) + '..' +
                     px(s.bottom));
        }
        for (const [o, ot] of boxes) {
          const w = Math.min(r.right, o.right) - Math.max(r.left, o.left);
          const h = Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top);
          if (w > 1 && h > 1) {
            report('svg text over another', t, t.textContent, 'overlaps "' + snippet(ot.textContent) + '"');
          }
        }
        boxes.push([r, t]);
      }
    }

    // 4. Boxes out of the viewport sideways (a wide table, an svg, a bar), outside any scroll
    // container: only the outermost one that leaves is named.
    const vw = document.documentElement.clientWidth;
    const out = (el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && (r.left < -kTolerance || r.right > vw + kTolerance);
    };
    for (const el of document.body.querySelectorAll('*')) {
      if (el.closest('#' + verdictId) || !out(el)) continue;
      if (el.parentElement && el.parentElement !== document.body && out(el.parentElement)) continue;
      if (insideScroller(el)) continue;
      const r = el.getBoundingClientRect();
      report('off-page', el, el.textContent,
             'spans x ' + px(r.left) + '..' + px(r.right) + ' in a viewport ' + vw + ' px wide');
    }

    // 5. Glyphs: every character beyond ASCII is drawn with a glyph of some installed font, not
    // as the box of a missing one (e.g. the Japanese of a case's seed with no CJK font). A
    // character draws exactly like a code point no font has (U+10FFFD, private use) only when
    // it is missing too.
    const canvas = document.createElement('canvas');
    canvas.width = 48;
    canvas.height = 48;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    const drawn = (ch, font) => {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.font = font;
      ctx.textBaseline = 'top';
      ctx.fillText(ch, 4, 4);
      return ctx.getImageData(0, 0, canvas.width, canvas.height).data.join(',');
    };
    const firstUse = new Map();  // character -> the text node it first appears in
    const glyphWalker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = glyphWalker.nextNode(); n; n = glyphWalker.nextNode()) {
      if (!n.parentElement || n.parentElement.closest('script,style,#' + verdictId)) continue;
      for (const ch of n.data) {
        if (ch.codePointAt(0) > 0x7e && /[\p{L}\p{N}\p{P}\p{S}\p{Co}]/u.test(ch) && !firstUse.has(ch)) {
          firstUse.set(ch, n);
        }
      }
    }
    const missing = new Map();  // font -> its drawing of a missing glyph
    for (const [ch, n] of firstUse) {
      const font = getComputedStyle(n.parentElement).font;
      if (!missing.has(font)) missing.set(font, drawn('\u{10FFFD}', font));
      if (drawn(ch, font) === missing.get(font)) {
        report('missing glyph', n.parentElement, n.data,
               'U+' + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0') + ' "' + ch +
                   '" has no glyph in any installed font (font: ' + font + ')');
      }
    }

    const verdict = {
      ok: total === 0,
      viewport: {width: vw, height: window.innerHeight},
      page: {
        width: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
      },
      texts: texts,
      elements: document.body.querySelectorAll('*').length,
      problem_count: total,
      problems: problems,
    };
    const pre = document.createElement('pre');
    pre.id = verdictId;
    pre.style.display = 'none';  // written after the check: it changes no measurement
    pre.textContent = JSON.stringify(verdict);
    document.body.appendChild(pre);
  }

  // After layout with the page's fonts (no web fonts: system ones, but wait for them anyway).
  window.addEventListener('load', function () {
    document.fonts.ready.then(function () {
      try {
        check();
      } catch (e) {
        const pre = document.createElement('pre');
        pre.id = 'render-check-verdict';
        pre.textContent = JSON.stringify({ok: false, error: String(e && e.stack || e)});
        document.body.appendChild(pre);
      }
    });
  });
})();
