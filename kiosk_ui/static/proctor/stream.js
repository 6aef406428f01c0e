// The room's live feed: an EventSource on the dashboard stream. The browser reconnects by itself
// (sending Last-Event-ID, so the server can replay what was missed); when the server refuses or
// is gone, we find out why once and try again with a backoff.
const EVENTS = ['snapshot', 'tiles', 'sitting', 'incidents'];
const MAX_RETRY_MS = 30000;

export class RoomStream {
  constructor(url, hooks) {
    this.url = url;
    this.hooks = hooks; // {message(name, data, serverTime), state(name)}
    this.lastId = null;
    this.source = null;
    this.retryMs = 1000;
    this.timer = null;
  }

  open() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const url = this.lastId ? this.url + '?last_event_id=' + encodeURIComponent(this.lastId) : this.url;
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    this.hooks.state('connecting');
    for (const name of EVENTS) source.addEventListener(name, (ev) => this.receive(name, ev));
    source.onopen = () => {
      this.retryMs = 1000;
      this.hooks.state('live');
    };
    source.onerror = () => {
      if (source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) this.lost();
      else this.hooks.state('connecting');
    };
  }

  receive(name, ev) {
    if (ev.lastEventId) this.lastId = ev.lastEventId;
    let message = null;
    try {
      message = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (message && message.data) this.hooks.message(name, message.data, message.server_time);
  }

  async lost() {
    if (this.source) this.source.close();
    this.source = null;
    this.hooks.state('lost');
    const status = await probe(this.url);
    if (status === 401) {
      window.location.assign('/login?next=' + encodeURIComponent(window.location.pathname));
      return;
    }
    if (status === 403 || status === 404) {
      this.hooks.state('forbidden');
      return;
    }
    this.timer = setTimeout(() => this.open(), this.retryMs);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }
}

/** The stream's HTTP status, without staying on the stream. 0 when the server is unreachable. */
async function probe(url) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 8000);
  try {
    const res = await fetch(url, { credentials: 'same-origin', signal: ctl.signal, cache: 'no-store' });
    return res.status;
  } catch (e) {
    return 0;
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
}
