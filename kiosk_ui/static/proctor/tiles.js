// The seat grid: one tile per participant where their seat is in the room, empty seats dashed.
// Tiles are built once and refreshed in place; time left and "last seen" run on the server clock.
import { formatHMS, parseServerTime, warningLevel } from '../kiosk/clock.js';
import { clear, h } from '../kiosk/dom.js';
import { t } from './messages.js';

/** The status the server decided, moved on by the change it announced for a later time
 * (`status_changes`: a working kiosk gone quiet turns disconnected). No rule lives here. */
export function liveStatus(tile, serverNow) {
  const change = tile.status_changes;
  if (!change) return tile.status;
  const at = parseServerTime(change.at);
  return isFinite(at) && serverNow > at ? change.to : tile.status;
}

export function remainingMs(tile, serverNow) {
  if (typeof tile.remaining_ms !== 'number') return null;
  if (!tile.counting) return tile.remaining_ms;
  const asOf = parseServerTime(tile.as_of);
  const spent = isFinite(asOf) ? Math.max(0, serverNow - asOf) : 0;
  return Math.max(0, tile.remaining_ms - spent);
}

/** The break before the next section, counted down like the section clock (frozen in a pause). */
export function breakMs(tile, serverNow) {
  if (typeof tile.break_remaining_ms !== 'number') return null;
  if (tile.paused) return tile.break_remaining_ms;
  const asOf = parseServerTime(tile.as_of);
  const spent = isFinite(asOf) ? Math.max(0, serverNow - asOf) : 0;
  return Math.max(0, tile.break_remaining_ms - spent);
}

export function age(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('proctor.age.s', { n: s });
  if (s < 3600) return t('proctor.age.m', { n: Math.floor(s / 60) });
  return t('proctor.age.h', { n: Math.floor(s / 3600) });
}

export function seenText(tile, serverNow) {
  const seen = parseServerTime(tile.last_seen_at);
  return isFinite(seen) ? t('proctor.tile.seen', { age: age(serverNow - seen) }) : t('proctor.tile.never');
}

export function sectionText(tile) {
  if (!tile.section) return '';
  const where = t('proctor.tile.section', { n: tile.section.position, count: tile.section.count });
  return tile.section.title ? where + ' · ' + tile.section.title : where;
}

export function counters(tiles, serverNow, names) {
  const found = {};
  for (const name of names) found[name] = 0;
  for (const tile of tiles) {
    found.registered += 1;
    if (tile.ever_logged_in) found.logged_in += 1;
    const status = liveStatus(tile, serverNow);
    if (Object.prototype.hasOwnProperty.call(found, status)) found[status] += 1;
  }
  return found;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

class TileView {
  constructor(tile, onOpen) {
    this.tile = tile;
    this.seat = h('span', { class: 'pd-seat' });
    this.chip = h('span', { class: 'pd-chip', testid: 'tile-status' });
    this.name = h('span', { class: 'pd-name', testid: 'tile-name' });
    this.number = h('span', { class: 'pd-no' });
    this.ip = h('span', { class: 'pd-ip', testid: 'tile-ip' });
    this.bar = h('i');
    this.count = h('span', { class: 'pd-count', testid: 'tile-answered' });
    this.section = h('span', { class: 'pd-sec', testid: 'tile-section' });
    this.badge = h('span', { class: 'pd-badge', testid: 'tile-reset', hidden: true });
    this.time = h('span', { class: 'pd-time', testid: 'tile-time' });
    this.seen = h('span', { class: 'pd-seen', testid: 'tile-seen' });
    this.el = h(
      'button',
      { type: 'button', class: 'pd-tile', testid: 'tile-' + tile.number, onclick: () => onOpen(this.tile.enrollment_id) },
      h('span', { class: 'pd-row' }, this.seat, this.chip),
      this.name,
      h('span', { class: 'pd-row' }, this.number, this.ip),
      h('span', { class: 'pd-progress' }, h('span', { class: 'pd-meter' }, this.bar), this.count),
      h('span', { class: 'pd-row' }, this.section, this.badge),
      h('span', { class: 'pd-row' }, this.time, this.seen),
    );
    this.update(tile);
  }

  update(tile) {
    this.tile = tile;
    const el = this.el;
    setAttr(el, 'data-enrollment-id', String(tile.enrollment_id));
    setAttr(el, 'data-attempt-id', tile.attempt_id === null ? '' : String(tile.attempt_id));
    setAttr(el, 'data-reset', tile.reset_requested ? 'true' : 'false');
    setAttr(el, 'data-answered', String(tile.answered));
    setText(this.seat, tile.seat ? tile.seat.label : '—');
    setText(this.name, tile.name);
    setText(this.number, tile.number);
    setText(this.ip, tile.ip || '');
    setAttr(this.name, 'title', tile.name);
    setText(this.count, tile.items ? tile.answered + '/' + tile.items : '–');
    this.bar.style.width = tile.items ? Math.round((100 * tile.answered) / tile.items) + '%' : '0';
    const working = tile.attempt_status === 'in_progress';
    setText(this.section, working && tile.section ? tile.section.title + ' ' + tile.section.position + '/' + tile.section.count : '');
    setAttr(this.section, 'title', working ? sectionText(tile) : '');
    let badge = '';
    const refused = tile.browser_refused || null; // issue 22: the kiosk's browser was refused
    setAttr(el, 'data-browser-refused', refused ? refused.reason : '');
    if (refused) badge = t('proctor.tile.browser') + ': ' + t('proctor.browser_reason.' + refused.reason);
    else if (tile.reset_requested) badge = t('proctor.tile.reset');
    else if (tile.attempt_status === 'terminated') badge = t('proctor.tile.terminated');
    else if (tile.attempt_status === 'in_progress' && !tile.logged_in) badge = t('proctor.tile.logged_out');
    setText(this.badge, badge);
    this.badge.hidden = !badge;
    const bad = refused || (tile.attempt_status === 'terminated' && !tile.reset_requested);
    this.badge.className = bad ? 'pd-badge pd-badge-bad' : 'pd-badge';
    setAttr(this.badge, 'title', refused ? t('proctor.browser_reason.' + refused.reason) : '');
  }

  /** What moves with the clock: status (quiet → disconnected), time left, last seen. */
  tick(serverNow) {
    const tile = this.tile;
    const status = liveStatus(tile, serverNow);
    setAttr(this.el, 'data-status', status);
    setText(this.chip, t('proctor.status.' + status));
    const resting = tile.attempt_status === 'in_progress' ? breakMs(tile, serverNow) : null;
    const left = tile.attempt_status === 'in_progress' ? remainingMs(tile, serverNow) : null;
    setText(this.time, resting !== null ? t('proctor.tile.break', { left: formatHMS(resting) }) : left === null ? '' : formatHMS(left));
    setAttr(this.time, 'data-remaining-ms', left === null ? '' : String(Math.round(left)));
    this.time.className = 'pd-time' + (left !== null && tile.counting && warningLevel(left) ? ' pd-' + warningLevel(left) : '');
    const seen = parseServerTime(tile.last_seen_at);
    setText(this.seen, isFinite(seen) && tile.ever_logged_in ? '● ' + age(serverNow - seen) : '');
    setAttr(this.seen, 'title', isFinite(seen) ? seenText(tile, serverNow) : '');
    return status;
  }
}

export class SeatGrid {
  constructor(grid, unseated, unseatedList, onOpen) {
    this.grid = grid;
    this.unseated = unseated;
    this.unseatedList = unseatedList;
    this.onOpen = onOpen;
    this.views = new Map(); // enrollment_id → TileView
    this.seats = [];
  }

  /** Everything anew (a snapshot, or a seat move). */
  render(seats, tiles) {
    this.seats = seats;
    const taken = new Map();
    for (const tile of tiles) if (tile.seat) taken.set(tile.seat.id, tile);
    let rows = 1;
    let cols = 1;
    for (const seat of seats) {
      rows = Math.max(rows, seat.row);
      cols = Math.max(cols, seat.col);
    }
    for (const tile of tiles) {
      if (tile.seat) {
        rows = Math.max(rows, tile.seat.row);
        cols = Math.max(cols, tile.seat.col);
      }
    }
    this.grid.style.setProperty('--cols', String(cols));
    clear(this.grid);
    clear(this.unseatedList);
    const known = new Map();
    for (const tile of tiles) {
      const view = this.views.get(tile.enrollment_id) || new TileView(tile, this.onOpen);
      view.update(tile);
      known.set(tile.enrollment_id, view);
      if (tile.seat) {
        view.el.style.gridRow = String(tile.seat.row);
        view.el.style.gridColumn = String(tile.seat.col);
        this.grid.appendChild(view.el);
      } else {
        view.el.style.gridRow = '';
        view.el.style.gridColumn = '';
        this.unseatedList.appendChild(view.el);
      }
    }
    this.views = known;
    for (const seat of seats) {
      if (taken.has(seat.id)) continue;
      const empty = h('div', { class: 'pd-seat-empty', 'data-seat-id': seat.id }, seat.label + ' · ' + t('proctor.tile.empty'));
      empty.style.gridRow = String(seat.row);
      empty.style.gridColumn = String(seat.col);
      this.grid.appendChild(empty);
    }
    this.unseated.hidden = this.unseatedList.childNodes.length === 0;
  }

  /** Refresh tiles in place; false when a tile moved seat or is new (draw everything anew). */
  update(tiles) {
    let inPlace = true;
    for (const tile of tiles) {
      const view = this.views.get(tile.enrollment_id);
      const before = view ? view.tile.seat : null;
      const moved = !view || (before ? before.id : null) !== (tile.seat ? tile.seat.id : null);
      if (moved) inPlace = false;
      else view.update(tile);
    }
    return inPlace;
  }

  tick(serverNow, filter) {
    let shown = 0;
    const q = filter.q.trim().toLowerCase();
    for (const view of this.views.values()) {
      const status = view.tick(serverNow);
      const tile = view.tile;
      const hit =
        (!filter.status || filter.status === status) &&
        (!q || tile.name.toLowerCase().indexOf(q) >= 0 || tile.number.toLowerCase().indexOf(q) >= 0);
      if (hit) shown += 1;
      const dim = !hit;
      if (view.el.classList.contains('pd-dim') !== dim) view.el.classList.toggle('pd-dim', dim);
    }
    return shown;
  }
}
