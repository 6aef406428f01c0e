// The room dashboard: a snapshot and then every change arrive on the event stream; this module
// keeps the room's state, draws it, and ticks the clocks.
import { formatHMS, parseServerTime } from '../kiosk/clock.js';
import { clear, h } from '../kiosk/dom.js';
import { ActionDialog, actionLabel, ACTIONS } from './actions.js';
import { OffsetClock, shortTime, wallTime } from './clock.js';
import { setMessages, t } from './messages.js';
import { RoomStream } from './stream.js';
import { counters, failuresText, liveStatus, remainingMs, sectionText, SeatGrid, seenText } from './tiles.js';

const TICK_MS = 500;

function readJson(id) {
  const el = document.getElementById(id);
  try {
    return el ? JSON.parse(el.textContent) : null;
  } catch (e) {
    return null;
  }
}

class Dashboard {
  constructor(config, sitting) {
    this.config = config;
    this.clock = new OffsetClock();
    this.sitting = sitting;
    this.seats = [];
    this.tiles = new Map(); // enrollment_id → tile
    this.incidents = [];
    this.filter = { status: '', q: '' };
    this.root = document.getElementById('dashboard');
    this.grid = new SeatGrid(
      document.getElementById('seat-grid'),
      document.getElementById('unseated'),
      document.getElementById('unseated-list'),
      (id) => this.dialog.detail(id),
      config.reports_url,
    );
    this.dialog = new ActionDialog(document.getElementById('dialog'), {
      config: config,
      lang: config.lang,
      sitting: () => this.sitting,
      freeSeats: () => this.freeSeats(),
      tile: (id) => this.tiles.get(id),
      describe: (tile) => this.describe(tile),
      done: (name, result, error) => this.done(name, result, error),
    });
    this.stream = new RoomStream(config.events_url, {
      message: (name, data, serverTime) => this.receive(name, data, serverTime),
      state: (name) => this.liveState(name),
    });
    this.counterEls = {};
    this.toastTimer = null;
    this.fullscreen = false;
  }

  boot() {
    this.buildCounters();
    this.drawSitting();
    const status = document.getElementById('filter-status');
    const q = document.getElementById('filter-q');
    status.addEventListener('change', () => this.setFilter(status.value, null));
    q.addEventListener('input', () => this.setFilter(null, q.value));
    for (const button of this.root.querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => this.dialog.run(button.getAttribute('data-action'), null));
    }
    document.getElementById('projector-open').addEventListener('click', () => this.projector(true));
    document.getElementById('projector-exit').addEventListener('click', () => this.projector(false));
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !document.getElementById('projector').hidden) this.projector(false);
    });
    document.addEventListener('fullscreenchange', () => {
      if (!document.fullscreenElement && this.fullscreen) {
        this.fullscreen = false;
        this.projector(false);
      }
    });
    this.stream.open();
    setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  // ----- the stream -------------------------------------------------------------------------

  receive(name, data, serverTime) {
    this.clock.observe(serverTime);
    if (name === 'snapshot') this.applySnapshot(data);
    else if (name === 'tiles') this.applyTiles(data.tiles || []);
    else if (name === 'sitting') this.applySitting(data.sitting);
    else if (name === 'incidents') this.applyIncidents(data.incidents || []);
    this.tick();
  }

  applySnapshot(data) {
    this.sitting = data.sitting;
    this.seats = data.seats || [];
    this.tiles = new Map();
    for (const tile of data.tiles || []) this.tiles.set(tile.enrollment_id, tile);
    this.grid.render(this.seats, Array.from(this.tiles.values()));
    this.drawSitting();
    this.applyIncidents(data.incidents || []);
    if (this.dialog.detailOf !== null) this.dialog.refresh(this.dialog.detailOf);
  }

  applyTiles(tiles) {
    for (const tile of tiles) this.tiles.set(tile.enrollment_id, tile);
    if (!this.grid.update(tiles)) this.grid.render(this.seats, Array.from(this.tiles.values()));
    for (const tile of tiles) this.dialog.refresh(tile.enrollment_id);
  }

  applySitting(sitting) {
    if (sitting) this.sitting = sitting;
    this.drawSitting();
  }

  applyIncidents(incidents) {
    this.incidents = incidents;
    const list = clear(document.getElementById('incidents'));
    if (!incidents.length) {
      list.append(h('li', { class: 'pd-by' }, t('proctor.incidents.none')));
      return;
    }
    for (const item of incidents) {
      const at = parseServerTime(item.at);
      const tile = item.attempt_id === null ? null : this.tileOfAttempt(item.attempt_id);
      list.append(
        h('li', { testid: 'incident' },
          h('time', null, isFinite(at) ? shortTime(at, this.sitting.time_zone) : ''),
          tile ? h('strong', null, tile.name + ' (' + tile.number + '): ') : null,
          item.note || '',
          h('span', { class: 'pd-by' }, ' — ' + (item.by || ''))),
      );
    }
  }

  liveState(name) {
    const el = this.root.querySelector('[data-testid="live-state"]');
    el.setAttribute('data-state', name);
    el.textContent = t('proctor.live.' + name);
  }

  // ----- drawing ----------------------------------------------------------------------------

  buildCounters() {
    const box = this.root.querySelector('[data-testid="counters"]');
    for (const name of this.config.counters) {
      const value = h('b', null, '0');
      const clickable = this.config.statuses.indexOf(name) >= 0;
      const el = h('button', {
        type: 'button',
        class: 'pd-counter',
        'data-counter': name,
        testid: 'counter-' + name,
        'aria-pressed': clickable ? 'false' : null,
        onclick: () => this.setFilter(clickable && this.filter.status !== name ? name : '', null),
      }, value, h('span', null, t('proctor.counter.' + name)));
      this.counterEls[name] = { el: el, value: value };
      box.append(el);
    }
  }

  drawSitting() {
    const s = this.sitting;
    this.root.setAttribute('data-sitting-status', s.status);
    const chip = this.root.querySelector('[data-testid="sitting-status"]');
    chip.className = 'pd-state pd-state-' + s.status;
    chip.setAttribute('data-status', s.status);
    chip.textContent = t('state.sitting.' + s.status);
    const token = s.token || '——';
    this.root.querySelector('[data-testid="token"]').textContent = token;
    this.root.querySelector('[data-testid="projector-token"]').textContent = token;
    for (const button of this.root.querySelectorAll('[data-when]')) {
      button.hidden = button.getAttribute('data-when').split(' ').indexOf(s.status) < 0;
    }
    for (const button of this.root.querySelectorAll('[data-action="rotate"]')) {
      // No token change before the token exists or after the close: not offered at all.
      button.hidden = s.status === 'scheduled' || s.status === 'closed';
    }
  }

  tick() {
    const now = this.clock.now();
    const shown = this.grid.tick(now, this.filter);
    const found = counters(this.tiles.values(), now, this.config.counters);
    for (const name of Object.keys(this.counterEls)) {
      const c = this.counterEls[name];
      const text = String(found[name] || 0);
      if (c.value.textContent !== text) c.value.textContent = text;
      if (c.el.hasAttribute('aria-pressed')) c.el.setAttribute('aria-pressed', this.filter.status === name ? 'true' : 'false');
    }
    this.counterEls.disconnected.el.classList.toggle('pd-alert', found.disconnected > 0);
    const matches = document.getElementById('filter-matches');
    const filtering = this.filter.status || this.filter.q.trim();
    matches.textContent = filtering ? t('proctor.filter.matches', { n: shown, total: this.tiles.size }) : '';
    const clock = wallTime(now, this.sitting.time_zone);
    this.root.querySelector('[data-testid="server-clock"]').textContent = clock;
    this.root.querySelector('[data-testid="projector-clock"]').textContent = clock;
    const previous = this.root.querySelector('[data-testid="token-previous"]');
    const until = parseServerTime(this.sitting.previous_token_valid_until);
    const graceLeft = isFinite(until) && this.sitting.previous_token ? until - now : 0;
    previous.hidden = graceLeft <= 0;
    if (graceLeft > 0) previous.textContent = t('proctor.token.previous', { token: this.sitting.previous_token, time: wallTime(until, this.sitting.time_zone) });
    this.tickDetail(now);
  }

  tickDetail(now) {
    const id = this.dialog.detailOf;
    if (id === null) return;
    const tile = this.tiles.get(id);
    const facts = this.dialog.el.querySelector('[data-testid="detail-facts"]');
    if (!tile || !facts) return;
    const values = facts.querySelectorAll('dd');
    const described = this.describe(tile, now);
    for (let i = 0; i < values.length && i < described.length; i += 1) {
      if (values[i].textContent !== described[i][1]) values[i].textContent = described[i][1];
    }
  }

  describe(tile, at) {
    const now = at === undefined ? this.clock.now() : at;
    const left = remainingMs(tile, now);
    return [
      [t('proctor.detail.status'), t('proctor.status.' + liveStatus(tile, now))],
      [t('proctor.detail.progress'), tile.items ? tile.answered + '/' + tile.items + ' ' + t('proctor.tile.answered') : '–'],
      [t('proctor.detail.section'), sectionText(tile) || '–'],
      [t('proctor.detail.time'), left === null || tile.attempt_status !== 'in_progress' ? '–' : formatHMS(left)],
      [t('proctor.detail.seen'), seenText(tile, now)],
      [t('proctor.detail.ip'), tile.ip || '–'],
      [t('proctor.detail.failures'), failuresText(tile) || '–'],
    ];
  }

  setFilter(status, q) {
    if (status !== null) {
      this.filter.status = status;
      document.getElementById('filter-status').value = status;
    }
    if (q !== null) this.filter.q = q;
    this.tick();
  }

  freeSeats() {
    const taken = new Set();
    for (const tile of this.tiles.values()) if (tile.seat) taken.add(tile.seat.id);
    return this.seats.filter((s) => !taken.has(s.id));
  }

  tileOfAttempt(attemptId) {
    for (const tile of this.tiles.values()) if (tile.attempt_id === attemptId) return tile;
    return null;
  }

  // ----- actions ----------------------------------------------------------------------------

  done(name, result, error) {
    const label = actionLabel(name, null);
    this.toast(error ? t('proctor.result.failed', { detail: error }) : t('proctor.result.done', { what: label }), !!error);
    if (error) return;
    if (result && result.token !== undefined && result.status) this.applySitting(Object.assign({}, this.sitting, result));
    if (ACTIONS[name].resync) this.resync();
  }

  /** Opening a sitting creates every attempt at once: read the whole room again. */
  async resync() {
    try {
      const res = await fetch(this.config.tiles_url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      const data = await res.json();
      this.clock.observe(data.server_time);
      this.applySnapshot(data);
      this.tick();
    } catch (e) {
      /* the stream's next snapshot brings it */
    }
  }

  toast(text, bad) {
    const el = document.getElementById('toast');
    el.textContent = text;
    el.className = 'pd-toast' + (bad ? ' pd-bad' : '');
    el.hidden = false;
    if (this.toastTimer !== null) clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => {
      el.hidden = true;
    }, bad ? 10000 : 4000);
  }

  projector(on) {
    const el = document.getElementById('projector');
    el.hidden = !on;
    if (on && el.requestFullscreen) {
      el.requestFullscreen().then(() => {
        this.fullscreen = true;
      }).catch(() => {});
    } else if (!on && document.fullscreenElement && document.exitFullscreen) {
      this.fullscreen = false;
      document.exitFullscreen().catch(() => {});
    }
  }
}

setMessages(readJson('proctor-messages'));
const dashboard = new Dashboard(readJson('proctor-config'), readJson('proctor-sitting'));
dashboard.boot();
window.cactDashboard = dashboard; // for the browser tests and for a curious technician
