// The push channel: GET /events tells this kiosk the moment the proctor acts (pause, resume,
// start, extra time, terminate, close, reset); the kiosk then asks the usual calls for the state.
// A fetch stream (EventSource cannot send the Bearer token); reconnects with backoff; the
// heartbeat stays the fallback when it is down.
import { backoffDelay } from './outbox.js';
import { sleep } from './util.js';

/** Splits a server-sent-events byte stream into {event, data} messages. */
export function parseEvents(buffer) {
  const messages = [];
  let rest = buffer;
  let cut;
  while ((cut = rest.indexOf('\n\n')) >= 0) {
    const block = rest.slice(0, cut);
    rest = rest.slice(cut + 2);
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.indexOf('event: ') === 0) event = line.slice(7);
      else if (line.indexOf('data: ') === 0) data += line.slice(6);
    }
    if (data) messages.push({ event: event, data: data });
  }
  return { messages: messages, rest: rest };
}

export class PushChannel {
  constructor(api, onControl) {
    this._api = api;
    this._onControl = onControl;
    this._ctl = null;
    this._running = false;
    this.connected = false;
  }

  start() {
    if (this._running || typeof fetch !== 'function' || typeof TextDecoder === 'undefined') return;
    this._running = true;
    this._loop();
  }

  stop() {
    this._running = false;
    this.connected = false;
    if (this._ctl) this._ctl.abort();
    this._ctl = null;
  }

  async _loop() {
    let failures = 0;
    while (this._running) {
      const ctl = typeof AbortController === 'function' ? new AbortController() : null;
      this._ctl = ctl;
      try {
        const res = await this._api.openEvents(ctl ? ctl.signal : undefined);
        if (res.status === 401 || !res.ok || !res.body) throw new Error('events ' + res.status);
        failures = 0;
        await this._read(res.body.getReader());
      } catch (e) {
        failures += 1;
      }
      this.connected = false;
      if (this._running) await sleep(backoffDelay(Math.max(1, failures)));
    }
  }

  async _read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done || !this._running) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      const parsed = parseEvents(buffer);
      buffer = parsed.rest;
      for (const message of parsed.messages) {
        if (message.event === 'hello') this.connected = true;
        if (message.event !== 'control') continue;
        try {
          this._onControl(JSON.parse(message.data));
        } catch (e) {
          /* a malformed message: the heartbeat brings the state anyway */
        }
      }
    }
  }
}
