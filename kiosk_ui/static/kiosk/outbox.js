// The persistent save queue. An answer is "saved" only once the server acknowledged it; until then
// it lives in localStorage under the attempt id and is retried, across reloads and re-logins.
import { ApiError } from './api.js';
import { local } from './storage.js';

export const OUTBOX_PREFIX = 'cact.kiosk.outbox.';
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;
const MAX_REJECTED = 200;

/** Exponential backoff with "equal jitter": 900 kiosks behind one switch do not retry in step. */
export function backoffDelay(failures, random) {
  const rnd = random || Math.random;
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * Math.pow(2, Math.max(0, failures - 1)));
  return ceiling / 2 + (rnd() * ceiling) / 2;
}

function key(itemId) {
  return String(itemId);
}

export class Outbox {
  /**
   * hooks: status({state, pending, rejected}), acked(entry, data, at), conflict(entry, data),
   * closed(entry, error), rejected(list). All optional.
   */
  constructor(options) {
    this.attemptId = String(options.attemptId);
    this._api = options.api;
    this._store = options.store || local;
    this._random = options.random || Math.random;
    this._hooks = options.hooks || {};
    this._key = OUTBOX_PREFIX + this.attemptId;
    this._counter = 0;
    this._entries = {};
    this._rejected = [];
    this._busy = false;
    this._stopped = false;
    this._failures = 0;
    this._linkDown = false;
    this._timer = null;
    this._waiters = [];
    this.persistent = true;
    this._load();
  }

  _load() {
    const raw = this._store.get(this._key, null);
    if (!raw || typeof raw !== 'object') return;
    this._counter = Number(raw.counter) || 0;
    const entries = raw.entries && typeof raw.entries === 'object' ? raw.entries : {};
    for (const k of Object.keys(entries)) {
      const e = entries[k];
      if (e && typeof e.seq === 'number') {
        this._entries[k] = e;
        this._counter = Math.max(this._counter, e.seq);
      }
    }
    this._rejected = Array.isArray(raw.rejected) ? raw.rejected : [];
  }

  _save() {
    const pending = this.pendingCount();
    if (pending === 0 && this._rejected.length === 0 && this._counter === 0) {
      this._store.remove(this._key);
      return;
    }
    this.persistent = this._store.set(this._key, {
      v: 1,
      attempt_id: this.attemptId,
      counter: this._counter,
      entries: this._entries,
      rejected: this._rejected,
    });
  }

  /** On login / section load: never reuse a seq the server has seen; drop what it already has. */
  reconcile(serverAnswers, maxSeq) {
    let changed = false;
    if (typeof maxSeq === 'number' && maxSeq > this._counter) {
      this._counter = maxSeq;
      changed = true;
    }
    const answers = serverAnswers || {};
    for (const k of Object.keys(answers)) {
      const seq = Number(answers[k] && answers[k].seq) || 0;
      if (seq > this._counter) {
        this._counter = seq;
        changed = true;
      }
      const entry = this._entries[key(k)];
      // The server holds an equal or newer change: sending ours would be answered applied=false.
      if (entry && entry.seq <= seq) {
        delete this._entries[key(k)];
        changed = true;
      }
    }
    if (changed) {
      this._save();
      this._emit();
    }
  }

  /** Queue a change and send it at once; returns the entry (with its seq). */
  enqueue(change) {
    this._counter += 1;
    const entry = {
      item_id: change.item_id,
      section_id: change.section_id,
      number: change.number,
      option_id: change.option_id === undefined ? null : change.option_id,
      doubtful: !!change.doubtful,
      seq: this._counter,
      queued_at: Date.now(),
    };
    // Coalesce: only the newest unsent change per item matters, and it has the highest seq.
    this._entries[key(change.item_id)] = entry;
    this._save();
    this._emit();
    this._pump();
    return entry;
  }

  pending() {
    const list = Object.keys(this._entries).map((k) => this._entries[k]);
    list.sort((a, b) => a.seq - b.seq);
    return list;
  }

  pendingCount() {
    return Object.keys(this._entries).length;
  }

  pendingFor(itemId) {
    return this._entries[key(itemId)] || null;
  }

  /** Every change the server refused for good, including those the participant has seen. */
  rejected() {
    return this._rejected.slice();
  }

  unseenRejected() {
    return this._rejected.filter((r) => !r.seen);
  }

  /** The participant read the notice; the record stays (the finished page must not say "all saved"). */
  markRejectedSeen() {
    this._rejected = this._rejected.map((r) => Object.assign({}, r, { seen: true }));
    this._save();
    this._emit();
  }

  /** The network looks back (online event, a heartbeat got through): retry now, backoff reset. */
  kick() {
    this._failures = 0;
    this._pump();
  }

  setLinkDown(down) {
    if (this._linkDown === !!down) return;
    this._linkDown = !!down;
    this._emit();
  }

  /** Stops sending (revoked session, logout); entries stay stored for the next login. */
  stop() {
    this._stopped = true;
    this._clearTimer();
    this._emit();
  }

  /** Resolves true once every queued change is acknowledged, false after timeoutMs or on stop. */
  flush(timeoutMs) {
    if (this.pendingCount() === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer = null;
      const waiter = () => {
        if (this.pendingCount() === 0) finish(true);
        else if (this._stopped) finish(false);
      };
      const finish = (ok) => {
        clearTimeout(timer);
        const i = this._waiters.indexOf(waiter);
        if (i >= 0) this._waiters.splice(i, 1);
        resolve(ok);
      };
      this._waiters.push(waiter);
      timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
      this.kick();
    });
  }

  status() {
    const pending = this.pendingCount();
    const offline =
      this._linkDown ||
      (pending > 0 && this._failures > 0) ||
      (typeof navigator !== 'undefined' && navigator.onLine === false);
    let state = 'saved';
    if (offline) state = 'offline';
    else if (pending > 0) state = 'saving';
    return { state: state, pending: pending, rejected: this._rejected.length };
  }

  _emit() {
    if (this._hooks.status) this._hooks.status(this.status());
    for (const w of this._waiters.slice()) w();
  }

  _clearTimer() {
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
  }

  _next() {
    const list = this.pending();
    return list.length ? list[0] : null;
  }

  async _pump() {
    if (this._busy || this._stopped) return;
    this._clearTimer();
    this._busy = true;
    this._emit();
    let retry = false;
    try {
      for (;;) {
        const entry = this._stopped ? null : this._next();
        if (!entry) break;
        const outcome = await this._send(entry);
        if (outcome === 'retry') {
          retry = true;
          break;
        }
      }
    } finally {
      this._busy = false;
      if (retry && !this._stopped) {
        this._timer = setTimeout(() => {
          this._timer = null;
          this._pump();
        }, backoffDelay(this._failures, this._random));
      }
      this._emit();
    }
  }

  async _send(entry) {
    const body = { option_id: entry.option_id, doubtful: entry.doubtful, seq: entry.seq };
    let res;
    try {
      res = await this._api.putAnswer(entry.item_id, body);
    } catch (err) {
      return this._failed(entry, err);
    }
    this._failures = 0;
    this._linkDown = false;
    const data = res.data || {};
    if (typeof data.stored_seq === 'number' && data.stored_seq > this._counter) {
      this._counter = data.stored_seq; // later changes must outrank whatever the server holds
    }
    this._settle(entry);
    if (this._hooks.acked) this._hooks.acked(entry, data, res.at);
    if (data.applied === false && typeof data.stored_seq === 'number' && data.stored_seq > entry.seq) {
      if (this._hooks.conflict) this._hooks.conflict(entry, data);
    }
    return 'ok';
  }

  _failed(entry, err) {
    const e = err instanceof ApiError ? err : new ApiError(0, 'network', String(err));
    if (e.status === 401) {
      this._stopped = true; // kept for replay when this participant logs in here again
      return 'stop';
    }
    if (e.retryable) {
      if (e.paused && this._hooks.paused) this._hooks.paused();
      this._failures += 1;
      if (e.network) this._linkDown = true;
      return 'retry';
    }
    // 409: the section or attempt closed; 403/404/422 will never be accepted either. Drop it
    // from the queue but keep a visible record, so the participant can tell the proctor.
    this._settle(entry);
    this._rejected = this._rejected
      .filter((r) => key(r.item_id) !== key(entry.item_id))
      .concat([
        {
          item_id: entry.item_id,
          section_id: entry.section_id,
          number: entry.number,
          option_id: entry.option_id,
          doubtful: entry.doubtful,
          seq: entry.seq,
          status: e.status,
          reason: e.code,
          at: Date.now(),
        },
      ])
      .slice(-MAX_REJECTED);
    this._save();
    if (e.status === 409 && this._hooks.closed) this._hooks.closed(entry, e);
    if (this._hooks.rejected) this._hooks.rejected(this.rejected());
    return 'ok';
  }

  /** Removes the entry unless a newer change to the same item was queued meanwhile. */
  _settle(entry) {
    const current = this._entries[key(entry.item_id)];
    if (current && current.seq <= entry.seq) delete this._entries[key(entry.item_id)];
    this._save();
  }
}
