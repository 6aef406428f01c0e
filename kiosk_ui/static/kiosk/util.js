// Small pure helpers shared by the kiosk modules (kept apart so they can be tested without a page).
import { lang, t } from './i18n.js';

const NON_TEXT_INPUTS = ['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image'];

/** Ids arrive as numbers in lists and as strings in JSON object keys. */
export function sameId(a, b) {
  return a !== null && a !== undefined && b !== null && b !== undefined && String(a) === String(b);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isTextEntry(el) {
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && NON_TEXT_INPUTS.indexOf((el.type || '').toLowerCase()) < 0;
}

/** Birth dates are typed the Indonesian way (17-08-1985); the protocol wants YYYY-MM-DD. */
export function normaliseSecret(raw) {
  const s = String(raw || '').trim();
  const pad = (n) => (n.length === 1 ? '0' + n : n);
  let m = /^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})$/.exec(s);
  if (m) return m[3] + '-' + pad(m[2]) + '-' + pad(m[1]);
  m = /^(\d{4})[-/. ](\d{1,2})[-/. ](\d{1,2})$/.exec(s);
  if (m) return m[1] + '-' + pad(m[2]) + '-' + pad(m[3]);
  return s;
}

export function errorText(err, fallbackKey) {
  if (!err) return t(fallbackKey || 'error.generic');
  if (err.network) return t('error.network');
  const byCode = 'error.' + err.code;
  const text = t(byCode);
  if (text !== byCode) return text;
  if (err.status === 429) return t('error.too_many_attempts');
  return t(fallbackKey || 'error.generic');
}

/** The server's sentence for a refused browser, in the kiosk's language (it names the browser). */
export function browserRefusedText(err) {
  const d = err && err.detail && typeof err.detail === 'object' ? err.detail : null;
  const text = d ? (lang() === 'en' ? d.message_en : d.message_id) : '';
  return typeof text === 'string' && text ? text : t('error.browser_not_allowed');
}

export function loginErrorText(err) {
  if (err.network) return t('login.network');
  if (err.browserRefused) return browserRefusedText(err);
  const byCode = 'error.' + err.code;
  const text = t(byCode);
  if (text !== byCode) return text;
  if (err.status === 429) return t('error.too_many_attempts');
  if (err.status === 409) return t('error.session_active');
  if (err.status === 422) return t('login.malformed');
  if (err.status >= 500) return t('login.server');
  return t('login.invalid');
}
