// Tiny DOM helpers: every text goes in through textContent; HTML only through trustedHtml().
import { renderMath } from './math.js';

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const name of Object.keys(attrs)) setAttr(el, name, attrs[name]);
  }
  append(el, children);
  return el;
}

function setAttr(el, name, value) {
  if (value === null || value === undefined || value === false) return;
  if (name === 'class') el.className = value;
  else if (name === 'text') el.textContent = value;
  else if (name === 'testid') el.setAttribute('data-testid', value);
  else if (name.slice(0, 2) === 'on' && typeof value === 'function') {
    el.addEventListener(name.slice(2).toLowerCase(), value);
  } else el.setAttribute(name, value === true ? '' : String(value));
}

export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (typeof child === 'string' || typeof child === 'number') {
      el.appendChild(document.createTextNode(String(child)));
    } else el.appendChild(child);
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const BLOCKED_TAGS = [
  'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'link', 'meta', 'base',
  'form', 'input', 'button', 'textarea', 'select', 'option', 'audio', 'video', 'svg',
  'annotation-xml', 'mglyph', 'maction',
];
const URL_ATTRS = ['href', 'src', 'xlink:href', 'action', 'formaction', 'srcset', 'background'];

// stem_html / text_html / instructions_html are sanitised by the server (contract); this second
// pass only guards the exam page: no scripts, no handlers, and no link that navigates away.
export function trustedHtml(el, html) {
  const tpl = document.createElement('template');
  tpl.innerHTML = typeof html === 'string' ? html : '';
  const root = tpl.content;
  for (const bad of root.querySelectorAll(BLOCKED_TAGS.join(','))) bad.remove();
  for (const node of root.querySelectorAll('*')) {
    for (const attr of Array.prototype.slice.call(node.attributes)) {
      const name = attr.name.toLowerCase();
      if (name.slice(0, 2) === 'on') node.removeAttribute(attr.name);
      else if (URL_ATTRS.indexOf(name) >= 0 && !safeUrl(node, name, attr.value)) {
        node.removeAttribute(attr.name);
      }
    }
    if (node.tagName === 'A') {
      node.removeAttribute('href');
      node.removeAttribute('target');
    }
  }
  clear(el).appendChild(root);
  renderMath(el); // MathML formulas: native, or the room server's MathJax on older browsers
  return el;
}

function safeUrl(node, name, value) {
  const v = String(value).replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
  if (name === 'src' && node.tagName === 'IMG') {
    return v.indexOf('data:image/') === 0 || !/^[a-z][a-z0-9+.-]*:/.test(v) || /^https?:/.test(v);
  }
  return !/^[a-z][a-z0-9+.-]*:/.test(v) || /^https?:/.test(v);
}
