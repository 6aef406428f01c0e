// The kiosk page's entry point: read the page's configuration, start the app.
import { KioskApp } from './app.js';
import { initI18n } from './i18n.js';

function readConfig() {
  const el = document.getElementById('kiosk-config');
  let cfg = {};
  try {
    cfg = JSON.parse((el && el.textContent) || '{}') || {};
  } catch (e) {
    cfg = {};
  }
  return {
    apiBase: cfg.api_base || '/api/kiosk/v1',
    graceMs: Number(cfg.grace_ms) || 0,
    lang: cfg.lang || 'id',
  };
}

const config = readConfig();
initI18n(config.lang);
const app = new KioskApp(config);
app.boot();
// For debugging from the browser console in the room; nothing depends on it.
window.cactKiosk = app;
