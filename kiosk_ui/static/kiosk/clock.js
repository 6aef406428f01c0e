// The server owns time. This module only estimates where the server's clock is, from the
// server_time of every response, and counts a server-given remaining_ms down on the monotonic
// performance.now() clock, so neither a wrong wall clock nor a clock change can move a deadline.

const MAX_SAMPLES = 12;
const SAMPLE_TTL_MS = 10 * 60 * 1000;
export const WARN_MS = 5 * 60 * 1000;
export const DANGER_MS = 60 * 1000;

// Python's isoformat() gives microseconds and "+00:00"; trim to milliseconds and treat a missing
// zone as UTC (the contract says UTC; Date.parse would read it as local time).
export function parseServerTime(value) {
  if (typeof value !== 'string') return NaN;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!m) return Date.parse(value);
  const frac = m[3] ? (m[3] + '000').slice(0, 4) : '';
  let zone = m[4] ? m[4].toUpperCase() : 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = zone.slice(0, 3) + ':' + zone.slice(3);
  return Date.parse(m[1] + 'T' + m[2] + frac + zone);
}

export class ServerClock {
  constructor(now, wall) {
    this._now = now || (() => performance.now());
    // Fixed once per page: later wall-clock jumps cannot shift anything computed here.
    this._anchor = (wall || Date.now)() - this._now();
    this._samples = [];
  }

  now() {
    return this._now();
  }

  /**
   * Records one response (request sent at sentAt, answered at receivedAt, both monotonic) and
   * returns the monotonic instant at which the server stamped serverTime.
   */
  observe(serverTime, sentAt, receivedAt) {
    const serverMs = parseServerTime(serverTime);
    const mid = (sentAt + receivedAt) / 2;
    if (!isFinite(serverMs)) return mid;
    const rtt = Math.max(0, receivedAt - sentAt);
    this._samples.push({ offset: serverMs - (this._anchor + mid), rtt: rtt, at: receivedAt });
    const cutoff = receivedAt - SAMPLE_TTL_MS;
    this._samples = this._samples.filter((s) => s.at >= cutoff).slice(-MAX_SAMPLES);
    // The server stamped the response somewhere between send and receipt: never outside that.
    const stamped = serverMs - this.offsetMs() - this._anchor;
    return Math.min(receivedAt, Math.max(sentAt, stamped));
  }

  /** The lowest-RTT recent sample is the one whose midpoint guess is the least wrong. */
  best() {
    let best = null;
    for (const s of this._samples) if (!best || s.rtt < best.rtt) best = s;
    return best;
  }

  offsetMs() {
    const b = this.best();
    return b ? b.offset : 0;
  }

  uncertaintyMs() {
    const b = this.best();
    return b ? b.rtt / 2 : Infinity;
  }

  serverNow() {
    return this._anchor + this._now() + this.offsetMs();
  }
}

export function formatHMS(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  return [hh, mm, ss].map((n) => (n < 10 ? '0' + n : String(n))).join(':');
}

export function warningLevel(ms) {
  if (ms <= DANGER_MS) return 'danger';
  if (ms <= WARN_MS) return 'warn';
  return '';
}

/**
 * Shows remaining_ms received for instant `at` minus the monotonic time elapsed since `at`.
 * onTick(ms, level, paused) runs every tick; onExpire() once each time the count reaches zero.
 */
export class Countdown {
  constructor(clock, hooks, tickMs) {
    this._clock = clock;
    this._hooks = hooks || {};
    this._tickMs = tickMs || 250;
    this._remaining = null;
    this._at = 0;
    this._paused = false;
    this._expired = false;
    this._timer = null;
  }

  set(remainingMs, at, paused) {
    if (typeof remainingMs !== 'number' || !isFinite(remainingMs)) return;
    this._remaining = Math.max(0, remainingMs);
    this._at = typeof at === 'number' ? at : this._clock.now();
    this._paused = !!paused;
    if (this._remaining > 0) this._expired = false; // extra time re-arms the expiry
    this._tick();
  }

  /** Stop counting at the value shown now (pause); the next set() carries the server's value. */
  freeze() {
    if (this._remaining === null) return;
    this._remaining = this.remaining();
    this._at = this._clock.now();
    this._paused = true;
    this._tick();
  }

  /** Count on from the frozen value (a resume: the server gave the paused time back). */
  thaw() {
    if (this._remaining === null || !this._paused) return;
    this._at = this._clock.now();
    this._paused = false;
    this._tick();
  }

  clear() {
    this._remaining = null;
    this._expired = false;
    this._tick();
  }

  remaining() {
    if (this._remaining === null) return null;
    if (this._paused) return this._remaining;
    return Math.max(0, this._remaining - (this._clock.now() - this._at));
  }

  paused() {
    return this._paused;
  }

  start() {
    if (this._timer === null) this._timer = setInterval(() => this._tick(), this._tickMs);
  }

  stop() {
    if (this._timer !== null) clearInterval(this._timer);
    this._timer = null;
  }

  _tick() {
    const ms = this.remaining();
    if (this._hooks.onTick) this._hooks.onTick(ms, ms === null ? '' : warningLevel(ms), this._paused);
    if (ms === 0 && !this._paused && !this._expired) {
      this._expired = true;
      if (this._hooks.onExpire) this._hooks.onExpire();
    }
  }
}
