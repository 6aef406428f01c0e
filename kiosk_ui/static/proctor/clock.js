// The server's clock as seen from the dashboard. Every stream message carries server_time,
// stamped when it was sent: server_time − local receipt time = offset − network delay, so the
// largest recent sample is the least delayed one. Counting runs on performance.now(), so a
// change of the proctor PC's wall clock moves nothing.
import { parseServerTime } from '../kiosk/clock.js';

const MAX_SAMPLES = 20;
const SAMPLE_TTL_MS = 10 * 60 * 1000;

export class OffsetClock {
  constructor() {
    this._anchor = Date.now() - performance.now();
    this._samples = [];
  }

  local() {
    return this._anchor + performance.now();
  }

  observe(serverTime) {
    const server = parseServerTime(serverTime);
    if (!isFinite(server)) return;
    const at = this.local();
    this._samples.push({ offset: server - at, at: at });
    const cutoff = at - SAMPLE_TTL_MS;
    this._samples = this._samples.filter((s) => s.at >= cutoff).slice(-MAX_SAMPLES);
  }

  offsetMs() {
    let best = null;
    for (const s of this._samples) if (best === null || s.offset > best) best = s.offset;
    return best === null ? 0 : best;
  }

  /** Milliseconds since the epoch on the server's clock, now. */
  now() {
    return this.local() + this.offsetMs();
  }
}

function pad(n) {
  return n < 10 ? '0' + n : String(n);
}

// The room's zone as the server gives it ({name, label, offset_minutes}); never the browser's.
function roomClock(ms, zone) {
  const offset = zone && isFinite(zone.offset_minutes) ? zone.offset_minutes : 0;
  return new Date(ms + offset * 60000);
}

function withLabel(text, zone) {
  return zone && zone.label ? text + ' ' + zone.label : text;
}

/** "HH:MM:SS WITA" of an epoch-milliseconds instant, on the room's clock. */
export function wallTime(ms, zone) {
  const d = roomClock(ms, zone);
  return withLabel(pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()), zone);
}

/** "14.05 WITA" — how the berita acara and the room write times. */
export function shortTime(ms, zone) {
  const d = roomClock(ms, zone);
  return withLabel(pad(d.getUTCHours()) + '.' + pad(d.getUTCMinutes()), zone);
}
