// Message catalogues embedded in the page (no request needed); Bahasa Indonesia by default.
import { local } from './storage.js';

const LANG_KEY = 'cact.kiosk.lang';
export const LANGUAGES = ['id', 'en'];
export const DEFAULT_LANG = 'id';

const catalogues = { id: {}, en: {} };
let current = DEFAULT_LANG;
const listeners = [];

function readCatalogue(elementId) {
  const el = document.getElementById(elementId);
  if (!el) return {};
  try {
    return JSON.parse(el.textContent || '{}') || {};
  } catch (e) {
    return {};
  }
}

// A choice made on this kiosk wins over the page's default (?lang= / cookie on the server side).
export function initI18n(pageLang) {
  catalogues.id = readCatalogue('kiosk-messages-id');
  catalogues.en = readCatalogue('kiosk-messages-en');
  const stored = local.get(LANG_KEY, null);
  if (LANGUAGES.indexOf(stored) >= 0) current = stored;
  else if (LANGUAGES.indexOf(pageLang) >= 0) current = pageLang;
  document.documentElement.lang = current;
}

export function lang() {
  return current;
}

export function t(key, values) {
  const text = catalogues[current][key] || catalogues[DEFAULT_LANG][key] || key;
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole,
  );
}

export function setLang(next) {
  if (LANGUAGES.indexOf(next) < 0 || next === current) return;
  current = next;
  local.set(LANG_KEY, next);
  document.documentElement.lang = next;
  for (const fn of listeners.slice()) fn(next);
}

export function toggleLang() {
  setLang(current === 'id' ? 'en' : 'id');
}

export function onLangChange(fn) {
  listeners.push(fn);
}
