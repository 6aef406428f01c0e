// The proctor's actions: one click, and where the outcome changes a reason, through the
// existing JSON API (session cookie + X-CSRF-Token). The stream brings the result to every tile.
import { FINISHED } from '../kiosk/constants.js';
import { append, clear, h } from '../kiosk/dom.js';
import { inLanguage, t } from './messages.js';

export class ActionError extends Error {
  constructor(status, body) {
    super('HTTP ' + status);
    this.status = status;
    this.body = body;
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') : '';
}

export async function post(url, body) {
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrfToken() },
      body: JSON.stringify(body || {}),
    });
  } catch (e) {
    throw new ActionError(0, null);
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (!res.ok) throw new ActionError(res.status, data);
  return data;
}

export function errorText(err, lang) {
  const body = err && err.body;
  if (!body) return err && err.status === 0 ? t('proctor.live.lost') : String(err);
  if (Array.isArray(body.detail)) return t('proctor.result.invalid');
  return inLanguage(body.detail, lang) || body.error || String(err.status);
}

/**
 * Every action: where it goes, what the dialog asks. `scope` picks the id the URL needs:
 * sitting (none), attempt (tile.attempt_id), enrollment (tile.enrollment_id).
 */
export const ACTIONS = {
  open: { scope: 'sitting', path: '/open', confirm: 'proctor.confirm.open', resync: true },
  start: { scope: 'sitting', path: '/start', confirm: 'proctor.confirm.start' },
  rotate: { scope: 'sitting', path: '/token/rotate', oneClick: true },
  pause_all: { scope: 'sitting', path: '/pause', reason: 'required' },
  resume_all: { scope: 'sitting', path: '/resume', reason: 'required' },
  close: { scope: 'sitting', path: '/close', reason: 'optional', confirm: 'proctor.confirm.close', danger: true },
  incident: { scope: 'sitting', path: '/incidents', note: true },
  reset: { scope: 'attempt', path: '/reset-login', reason: 'required', confirm: 'proctor.confirm.reset' },
  extra: { scope: 'attempt', path: '/extra-time', reason: 'required', minutes: true },
  pause: { scope: 'attempt', path: '/pause', reason: 'required' },
  resume: { scope: 'attempt', path: '/resume', reason: 'required' },
  terminate: { scope: 'attempt', path: '/terminate', reason: 'required', confirm: 'proctor.confirm.terminate', danger: true },
  absent: { scope: 'enrollment', path: '/absent', reason: 'required' },
  move: { scope: 'enrollment', path: '/seat', reason: 'required', seat: true },
};

export function actionUrl(config, name, tile) {
  const spec = ACTIONS[name];
  if (spec.scope === 'attempt') return config.attempts_url + '/' + tile.attempt_id + spec.path;
  if (spec.scope === 'enrollment') return config.sitting_url + '/enrollments/' + tile.enrollment_id + spec.path;
  return config.sitting_url + spec.path;
}

export function actionLabel(name, tile) {
  if (name === 'reset' && tile && tile.reset_requested) return t('proctor.action.approve_reset');
  return t('proctor.action.' + name);
}

/** The actions a tile offers now. */
export function tileActions(tile, sittingStatus) {
  const open = sittingStatus !== 'closed';
  const closed = FINISHED.indexOf(tile.attempt_status) >= 0;
  const live = open && tile.attempt_id !== null && !closed;
  const found = [];
  // A reset also lifts a participant's wait after wrong logins (shown on the tile).
  const failed = Boolean(tile.login_failures && tile.login_failures.count);
  if (live && (tile.logged_in || tile.reset_requested || failed)) found.push('reset');
  // Extra time and terminate only for someone who has come: never for a seat nobody used.
  const came = tile.ever_logged_in || tile.attempt_status === 'in_progress';
  if (live && came) found.push('extra');
  if (live && tile.attempt_status === 'in_progress') found.push(tile.attempt_paused ? 'resume' : 'pause');
  if (live && tile.attempt_status === 'not_started' && tile.attempt_paused) found.push('resume');
  if (open && !closed) found.push('move');
  if (open && !tile.ever_logged_in && tile.attendance !== 'absent') found.push('absent');
  found.push('incident');
  if (live && came) found.push('terminate');
  return found;
}

function detailKey(tile, sittingStatus) {
  const seat = tile.seat ? tile.seat.label : '';
  return [tileActions(tile, sittingStatus).join(','), tile.reset_requested, seat, tile.name].join('|');
}

/** The one <dialog>: a tile's details with its actions, or one action's small form. */
export class ActionDialog {
  constructor(el, hooks) {
    this.el = el;
    this.hooks = hooks; // {config, lang, sitting(), freeSeats(), tile(id), describe(tile), done(name, result)}
    this.detailOf = null;
    this.detailKey = '';
    this.busy = false;
    el.addEventListener('close', () => {
      this.detailOf = null;
    });
  }

  show() {
    if (!this.el.open) {
      if (typeof this.el.showModal === 'function') this.el.showModal();
      else this.el.setAttribute('open', '');
    }
  }

  close() {
    if (this.el.open && typeof this.el.close === 'function') this.el.close();
    else this.el.removeAttribute('open');
    this.detailOf = null;
  }

  /** A tile's facts and the buttons for what can be done to it. */
  detail(enrollmentId) {
    const tile = this.hooks.tile(enrollmentId);
    if (!tile) return;
    this.detailOf = enrollmentId;
    this.detailKey = detailKey(tile, this.hooks.sitting().status);
    const facts = h('dl', { testid: 'detail-facts' });
    for (const [label, value] of this.hooks.describe(tile)) facts.append(h('dt', null, label), h('dd', null, value));
    const buttons = tileActions(tile, this.hooks.sitting().status).map((name) =>
      h('button', {
        type: 'button',
        class: ACTIONS[name].danger ? 'pd-danger' : '',
        testid: 'act-' + name,
        onclick: () => this.form(name, tile),
      }, actionLabel(name, tile)),
    );
    append(clear(this.el), [
      h('h2', null, tile.name),
      h('p', { class: 'pd-who' }, tile.number + (tile.seat ? ' · ' + tile.seat.label : '')),
      tile.reset_requested ? h('p', { class: 'pd-note' }, t('proctor.detail.reset_requested')) : null,
      facts,
      h('div', { class: 'pd-dialog-actions' }, buttons),
      h('div', { class: 'pd-dialog-actions pd-end' },
        h('button', { type: 'button', testid: 'dialog-close', onclick: () => this.close() }, t('proctor.dialog.close'))),
    ]);
    this.show();
  }

  /** Redraw an open detail view when what it offers changed (its facts tick by themselves). */
  refresh(enrollmentId) {
    if (this.detailOf === null || this.detailOf !== enrollmentId || this.busy) return;
    const tile = this.hooks.tile(enrollmentId);
    if (!tile || detailKey(tile, this.hooks.sitting().status) !== this.detailKey) this.detail(enrollmentId);
  }

  /** Run an action: at once when it needs nothing, else after its form. */
  run(name, tile) {
    if (ACTIONS[name].oneClick) return this.send(name, tile, {}, null);
    this.form(name, tile || null);
    return null;
  }

  form(name, tile) {
    const spec = ACTIONS[name];
    this.detailOf = null;
    const fields = [];
    let reason = null;
    let minutes = null;
    let seat = null;
    let note = null;
    if (spec.minutes) {
      minutes = h('input', { type: 'number', min: '1', max: '240', value: '5', required: true, testid: 'dialog-minutes' });
      fields.push(h('label', null, t('proctor.dialog.minutes'), minutes));
    }
    if (spec.seat) {
      const free = this.hooks.freeSeats();
      seat = h('select', { required: true, testid: 'dialog-seat' },
        free.map((s) => h('option', { value: String(s.id) }, s.label)));
      fields.push(free.length ? h('label', null, t('proctor.dialog.seat'), seat) : h('p', { class: 'pd-note' }, t('proctor.dialog.no_free_seat')));
    }
    if (spec.note) {
      note = h('textarea', { required: true, minlength: '3', maxlength: '2000', testid: 'dialog-note' });
      fields.push(h('label', null, t('proctor.dialog.note'), note));
    }
    if (spec.reason) {
      const required = spec.reason === 'required';
      reason = h('textarea', { required: required, minlength: required ? '3' : null, maxlength: '500', testid: 'dialog-reason' });
      fields.push(h('label', null, t(required ? 'proctor.dialog.reason' : 'proctor.dialog.reason_optional'), reason));
    }
    const error = h('p', { class: 'pd-error', role: 'alert', testid: 'dialog-error', hidden: true });
    const submit = h('button', { type: 'submit', class: spec.danger ? 'pd-danger' : 'primary', testid: 'dialog-submit' }, actionLabel(name, tile));
    const form = h('form', { method: 'dialog', novalidate: true },
      h('h2', null, actionLabel(name, tile)),
      h('p', { class: 'pd-who' }, tile ? tile.name + ' · ' + tile.number : this.hooks.sitting().title),
      spec.confirm ? h('p', { class: 'pd-note' }, t(spec.confirm)) : null,
      fields,
      error,
      h('div', { class: 'pd-dialog-actions pd-end' },
        h('button', { type: 'button', testid: 'dialog-cancel', onclick: () => (tile && spec.scope !== 'sitting' ? this.detail(tile.enrollment_id) : this.close()) },
          tile && spec.scope !== 'sitting' ? t('proctor.dialog.back') : t('proctor.dialog.cancel')),
        submit),
    );
    if (name === 'incident' && tile) form.setAttribute('data-attempt-id', String(tile.attempt_id || ''));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const body = {};
      const why = reason ? reason.value.trim() : '';
      if (spec.reason === 'required' && why.length < 3) return this.invalid(error, reason);
      if (reason) body.reason = why || null;
      if (minutes) {
        const n = Number(minutes.value);
        if (!(n >= 1 && n <= 240 && Math.floor(n) === n)) return this.invalid(error, minutes);
        body.minutes = n;
      }
      if (spec.seat) {
        if (!seat || !seat.value) return this.invalid(error, seat);
        body.seat_id = Number(seat.value);
      }
      if (note) {
        const text = note.value.trim();
        if (text.length < 3) return this.invalid(error, note);
        body.note = text;
        if (tile && tile.attempt_id !== null) body.attempt_id = tile.attempt_id;
      }
      this.send(name, tile, body, { error: error, submit: submit });
      return null;
    });
    clear(this.el).append(form);
    this.show();
    const first = form.querySelector('input, select, textarea') || submit;
    first.focus();
  }

  invalid(error, field) {
    error.textContent = t('proctor.result.invalid');
    error.hidden = false;
    if (field) field.focus();
    return null;
  }

  async send(name, tile, body, form) {
    if (this.busy) return;
    this.busy = true;
    if (form) {
      form.submit.disabled = true;
      form.error.hidden = true;
    }
    try {
      const result = await post(actionUrl(this.hooks.config, name, tile), body);
      if (form) this.close();
      this.hooks.done(name, result, null);
    } catch (err) {
      const text = errorText(err, this.hooks.lang);
      if (form) {
        form.error.textContent = t('proctor.result.failed', { detail: text });
        form.error.hidden = false;
      }
      this.hooks.done(name, null, text);
    } finally {
      this.busy = false;
      if (form) form.submit.disabled = false;
    }
  }
}
