// The page chrome and every screen except the question page. Screens are plain functions that
// return a DOM node; text only through textContent, server HTML only through trustedHtml().
import { formatHMS } from './clock.js';
import { clear, h, trustedHtml } from './dom.js';
import { lang, t } from './i18n.js';

export const FONT_SCALES = [0.85, 1, 1.15, 1.3, 1.5, 1.75];
export const DEFAULT_FONT = 1;

export class Shell {
  /** actions: lang(), fontSmaller(), fontReset(), fontBigger() */
  constructor(root, actions) {
    this.root = clear(root);
    this.actions = actions;
    this._status = { state: 'saved', pending: 0 };
    this._clock = { ms: null, level: '', paused: false };
    this.sectionTitle = h('div', { class: 'section-title', testid: 'section-title' });
    this.saveStatus = h('div', {
      class: 'save-status',
      testid: 'save-status',
      role: 'status',
      'aria-live': 'polite',
    });
    this.countdownValue = h('span', { class: 'countdown-value' });
    this.countdownLabel = h('span', { class: 'countdown-label' });
    this.countdown = h(
      'div',
      { class: 'countdown', testid: 'countdown', role: 'timer' },
      this.countdownLabel,
      this.countdownValue,
    );
    this.fontSmaller = h('button', {
      type: 'button', class: 'font-btn font-sm', testid: 'font-smaller', onclick: actions.fontSmaller,
    }, 'A−');
    this.fontReset = h('button', {
      type: 'button', class: 'font-btn', testid: 'font-reset', onclick: actions.fontReset,
    }, 'A');
    this.fontBigger = h('button', {
      type: 'button', class: 'font-btn font-lg', testid: 'font-bigger', onclick: actions.fontBigger,
    }, 'A+');
    this.fontControl = h('div', { class: 'font-control', role: 'group' },
      this.fontSmaller, this.fontReset, this.fontBigger);
    this.langToggle = h('button', {
      type: 'button', class: 'lang-toggle', testid: 'lang-toggle', onclick: actions.lang,
    });
    this.header = h('header', { class: 'topbar' },
      h('div', { class: 'brand' }, 'CACT'),
      this.sectionTitle,
      this.saveStatus,
      this.countdown,
      this.fontControl,
      this.langToggle);
    this.notice = h('div', { class: 'notice-area' });
    this.main = h('main', { class: 'main' });
    this.overlay = h('div', { class: 'overlay-root' });
    this.modal = h('div', { class: 'modal-root' });
    this.body = h('div', { class: 'body' }, this.main, this.overlay);
    this.root.appendChild(h('div', { class: 'shell' }, this.header, this.notice, this.body, this.modal));
    this.setMode('plain');
    this.relabel();
  }

  /** plain: login-type screens; session: logged in, no clock; exam: clock, fonts, title. */
  setMode(mode) {
    this.mode = mode;
    this.root.setAttribute('data-mode', mode);
    this.sectionTitle.hidden = mode !== 'exam';
    this.countdown.hidden = mode !== 'exam';
    this.fontControl.hidden = mode !== 'exam';
    this.saveStatus.hidden = mode === 'plain';
  }

  setScreen(node, mode) {
    this.closeModal();
    this.hideOverlay();
    this.setMode(mode || 'plain');
    this.main.className = 'main' + (mode === 'exam' ? ' exam-mode' : '');
    clear(this.main).appendChild(node);
    this.main.scrollTop = 0;
  }

  relabel() {
    this.langToggle.textContent = t('lang.switch');
    this.langToggle.setAttribute('lang', lang() === 'id' ? 'en' : 'id');
    this.countdownLabel.textContent = t('clock.label');
    this.fontSmaller.title = t('font.smaller');
    this.fontReset.title = t('font.reset');
    this.fontBigger.title = t('font.bigger');
    this.fontSmaller.setAttribute('aria-label', t('font.smaller'));
    this.fontReset.setAttribute('aria-label', t('font.reset'));
    this.fontBigger.setAttribute('aria-label', t('font.bigger'));
    this.setSaveStatus(this._status);
    this.setCountdown(this._clock.ms, this._clock.level, this._clock.paused);
  }

  setSectionTitle(text) {
    this.sectionTitle.textContent = text || '';
    this.sectionTitle.title = text || '';
  }

  setFontScale(index) {
    document.documentElement.style.setProperty('--q-scale', String(FONT_SCALES[index]));
    this.fontSmaller.disabled = index <= 0;
    this.fontBigger.disabled = index >= FONT_SCALES.length - 1;
  }

  setCountdown(ms, level, paused) {
    this._clock = { ms: ms, level: level, paused: paused };
    const text = ms === null || ms === undefined ? '--:--:--' : formatHMS(ms);
    if (this.countdownValue.textContent !== text) this.countdownValue.textContent = text;
    this.countdown.setAttribute('data-remaining-ms', ms === null || ms === undefined ? '' : String(Math.round(ms)));
    this.countdown.setAttribute('data-level', level || '');
    this.countdown.setAttribute('data-paused', paused ? 'true' : 'false');
    this.countdown.className = 'countdown' + (level ? ' ' + level : '') + (paused ? ' paused' : '');
  }

  setSaveStatus(status) {
    this._status = status;
    const n = status.pending;
    let text = t('save.saved');
    if (status.state === 'saving') text = t('save.saving', { n: n });
    if (status.state === 'offline') text = n > 0 ? t('save.offline', { n: n }) : t('save.offlineNone');
    this.saveStatus.textContent = text;
    this.saveStatus.setAttribute('data-state', status.state);
    this.saveStatus.setAttribute('data-pending', String(n));
    this.saveStatus.className = 'save-status ' + status.state;
  }

  showOverlay(node) {
    clear(this.overlay).appendChild(node);
    this.overlay.className = 'overlay-root shown';
  }

  hideOverlay() {
    clear(this.overlay);
    this.overlay.className = 'overlay-root';
  }

  overlayShown() {
    return this.overlay.firstChild !== null;
  }

  showModal(node) {
    clear(this.modal).appendChild(h('div', { class: 'modal-backdrop' }, node));
    this.modal.className = 'modal-root shown';
    const first = node.querySelector('[data-autofocus]');
    if (first) first.focus();
  }

  closeModal() {
    clear(this.modal);
    this.modal.className = 'modal-root';
  }

  modalOpen() {
    return this.modal.firstChild !== null;
  }

  setNotice(node) {
    clear(this.notice);
    if (node) this.notice.appendChild(node);
  }
}

function card(extraClass, testid, children) {
  return h('section', { class: 'card ' + (extraClass || ''), testid: testid }, children);
}

function field(labelText, input, hint) {
  return h('label', { class: 'field' },
    h('span', { class: 'field-label' }, labelText),
    input,
    hint ? h('span', { class: 'field-hint' }, hint) : null);
}

/** opts: values, error, busy, message, onSubmit({participant_no, token, secret}) */
export function loginScreen(opts) {
  const v = opts.values || {};
  const no = h('input', {
    type: 'text', name: 'participant_no', testid: 'login-participant-no', autocomplete: 'off',
    autocapitalize: 'characters', spellcheck: 'false', required: true, value: v.participant_no || '',
    'data-autofocus': true,
  });
  const token = h('input', {
    type: 'text', name: 'token', testid: 'login-token', autocomplete: 'off', class: 'token-input',
    autocapitalize: 'characters', spellcheck: 'false', required: true, maxlength: '12',
    value: v.token || '',
  });
  token.addEventListener('input', () => {
    const up = token.value.toUpperCase();
    if (up !== token.value) token.value = up;
    v.token = up;
  });
  no.addEventListener('input', () => {
    v.participant_no = no.value;
  });
  const secret = h('input', {
    type: 'text', name: 'secret', testid: 'login-secret', autocomplete: 'off', spellcheck: 'false',
    value: v.secret || '',
  });
  secret.addEventListener('input', () => {
    v.secret = secret.value;
  });
  const error = h('p', { class: 'error', testid: 'login-error', role: 'alert' }, opts.error || '');
  error.hidden = !opts.error;
  const submit = h('button', { type: 'submit', class: 'primary big', testid: 'login-submit' },
    opts.busy ? t('login.checking') : t('login.submit'));
  submit.disabled = !!opts.busy;
  const form = h('form', { class: 'login-form', novalidate: true, autocomplete: 'off' },
    field(t('login.participantNo'), no),
    field(t('login.token'), token, t('login.tokenHint')),
    field(t('login.secret'), secret, t('login.secretHint')),
    error,
    submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (submit.disabled) return;
    opts.onSubmit({ participant_no: no.value, token: token.value, secret: secret.value });
  });
  return h('div', { class: 'center' },
    card('narrow', 'login-screen', [
      h('h1', null, t('login.title')),
      opts.message ? h('p', { class: 'info', role: 'status' }, opts.message) : null,
      form,
    ]));
}

export function confirmScreen(participant, opts) {
  const p = participant || {};
  const row = (label, value, testid) =>
    h('tr', null, h('th', { scope: 'row' }, label), h('td', { testid: testid }, value || '—'));
  return h('div', { class: 'center' },
    card('narrow', 'confirm-screen', [
      h('h1', null, t('confirm.title')),
      h('table', { class: 'identity' },
        row(t('confirm.name'), p.name, 'identity-name'),
        row(t('confirm.number'), p.participant_no, 'identity-number'),
        row(t('confirm.position'), p.position, 'identity-position')),
      h('p', { class: 'muted' }, t('confirm.help')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary big', testid: 'confirm-no', onclick: opts.onNo },
          t('confirm.no')),
        h('button', {
          type: 'button', class: 'primary big', testid: 'confirm-yes', onclick: opts.onYes,
          'data-autofocus': true,
        }, t('confirm.yes'))),
    ]));
}

function minutes(ms) {
  return typeof ms === 'number' ? String(Math.round(ms / 60000)) : '—';
}

export function instructionsScreen(attempt, opts) {
  const sections = attempt.sections || [];
  const body = h('div', { class: 'instructions-body', testid: 'instructions' });
  if (attempt.instructions_html) trustedHtml(body, attempt.instructions_html);
  else body.appendChild(h('p', null, t('instructions.default')));
  const start = h('button', {
    type: 'button', class: 'primary big', testid: 'start-button', onclick: opts.onStart,
    'data-autofocus': true,
  }, opts.waiting ? t('waiting.button') : opts.busy ? t('common.wait') : t('instructions.start'));
  start.disabled = !!opts.busy || !!opts.waiting;
  return h('div', { class: 'center' },
    card('wide', 'instructions-screen', [
      h('h1', null, attempt.sitting_title || t('instructions.title')),
      body,
      h('table', { class: 'sections' },
        h('thead', null, h('tr', null,
          h('th', null, t('instructions.colNo')),
          h('th', null, t('instructions.colSection')),
          h('th', { class: 'num' }, t('instructions.colItems')),
          h('th', { class: 'num' }, t('instructions.colMinutes')))),
        h('tbody', null, sections.map((s, i) => h('tr', null,
          h('td', null, String(i + 1)),
          h('td', null, s.title || ''),
          h('td', { class: 'num' }, s.item_count === undefined ? '—' : String(s.item_count)),
          h('td', { class: 'num' }, minutes(s.time_limit_ms === undefined ? s.remaining_ms : s.time_limit_ms)))))),
      h('p', { class: 'muted' }, t('instructions.clockNote')),
      opts.error ? h('p', { class: 'error', role: 'alert' }, opts.error) : null,
      opts.waiting ? h('p', { class: 'waiting', role: 'status', testid: 'waiting-for-start' }, t('waiting.text')) : null,
      h('div', { class: 'actions' }, start),
    ]));
}

/** The break's countdown on the transition screen (ticked by the app's break clock). */
export function showBreakLeft(ms) {
  const el = document.querySelector('[data-testid="break-countdown"]');
  if (!el) return;
  el.textContent = ms === null || ms === undefined ? '--:--' : formatHMS(ms).replace(/^00:/, '');
  el.setAttribute('data-remaining-ms', ms === null || ms === undefined ? '' : String(Math.round(ms)));
}

function breakBlock(opts) {
  if (!opts.resting) return null;
  const left = h('div', { class: 'break-countdown', testid: 'break-countdown', role: 'timer' });
  const block = h('div', { class: 'break-box', testid: 'break-box' },
    h('p', { class: 'break-title' }, t('transition.break')),
    left,
    h('p', { class: 'muted' }, t('transition.breakNote')));
  left.textContent = opts.breakMs === null ? '--:--' : formatHMS(opts.breakMs).replace(/^00:/, '');
  left.setAttribute('data-remaining-ms', opts.breakMs === null ? '' : String(Math.round(opts.breakMs)));
  return block;
}

export function transitionScreen(section, opts) {
  let note = section.status === 'open' ? t('transition.running') : t('transition.notRunning');
  if (opts.resting) note = t('transition.breakRunning');
  return h('div', { class: 'center' },
    card('narrow', 'transition-screen', [
      opts.afterClose ? h('p', { class: 'muted' }, t('transition.closed')) : null,
      h('h1', null, t('transition.next', { title: section.title || '' })),
      h('p', null, t('transition.items', { n: section.item_count === undefined ? '—' : section.item_count })),
      breakBlock(opts),
      h('p', { class: 'muted' }, note),
      opts.error ? h('p', { class: 'error', role: 'alert' }, opts.error) : null,
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'primary big', testid: 'continue-button', onclick: opts.onContinue,
          'data-autofocus': true,
        }, t('transition.continue'))),
    ]));
}

export function finishPromptScreen(opts) {
  return h('div', { class: 'center' },
    card('narrow', 'finish-prompt', [
      h('h1', null, t('finishPrompt.title')),
      h('p', null, t('finishPrompt.body')),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'primary big', testid: 'finish-button', onclick: opts.onFinish,
        }, t('finish.button'))),
    ]));
}

export function finishedScreen(status, opts) {
  let detail = t('finished.submitted');
  if (status === 'expired') detail = t('finished.expired');
  if (status === 'terminated') detail = t('finished.terminated');
  return h('div', { class: 'center' },
    card('narrow', 'finished-screen', [
      h('h1', null, status === 'terminated' ? t('finished.titleTerminated') : t('finished.title')),
      h('p', { class: 'lead' }, detail),
      opts.allSaved ? h('p', { testid: 'finished-all-saved' }, t('finished.allSaved')) : null,
      opts.rejected && opts.rejected.length
        ? h('p', { class: 'warn-box', testid: 'finished-rejected' },
          t('rejected.body', { numbers: rejectedNumbers(opts.rejected) }))
        : null,
      opts.results ? resultsTable(opts.results) : null,
      h('p', { class: 'muted' }, t('finished.leave')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', testid: 'logout', onclick: opts.onLogout },
          t('finished.logout')),
        inLockdownBrowser()
          ? h('a', { class: 'button secondary', testid: 'quit-seb', href: '/kiosk/quit' }, t('finished.quitSeb'))
          : null),
    ]));
}

/** Safe Exam Browser (its JavaScript API or its User-Agent): the quit URL closes it. */
function inLockdownBrowser() {
  return Boolean(window.SafeExamBrowser) || /\bSEB\//.test(String(navigator.userAgent || ''));
}

/** The participant's own result, when the sitting shows results at the end (text only). */
function resultsTable(results) {
  const english = lang() === 'en';
  const rows = (results.competencies || []).map((c) => h('tr', null,
    h('td', null, english ? c.name_en : c.name_id),
    h('td', { class: 'num' }, String(c.attained_level)),
    h('td', { class: 'num' }, c.required_level == null ? '–' : String(c.required_level))));
  const category = results.category ? (english ? results.category.label_en : results.category.label_id) : '';
  return h('div', { testid: 'finished-results' },
    h('table', { class: 'results' },
      h('thead', null, h('tr', null, h('th', null, t('results.competency')),
        h('th', null, t('results.attained')), h('th', null, t('results.required')))),
      h('tbody', null, rows)),
    results.jpm ? h('p', null, t('results.jpm', { jpm: results.jpm, category: category })) : null);
}

/** The sitting requires a lockdown browser and this is not it (issue 22): the session and its
 * unsent answers stay; the participant calls the proctor, or tries again once fixed. */
export function browserRefusedScreen(opts) {
  return h('div', { class: 'center' },
    card('narrow', 'browser-refused', [
      h('h1', null, t('browser.title')),
      h('p', { class: 'lead', testid: 'browser-refused-text' }, opts.text),
      h('p', { class: 'muted' }, t('browser.help')),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'primary big', testid: 'browser-refused-retry', onclick: opts.onRetry,
          'data-autofocus': true,
        }, t('browser.retry'))),
    ]));
}

export function sessionEndedScreen(opts) {
  return h('div', { class: 'center' },
    card('narrow', 'session-ended', [
      h('h1', null, t('ended.title')),
      h('p', { class: 'lead' }, t('ended.body')),
      opts.pending > 0
        ? h('p', { class: 'warn-box', testid: 'session-ended-pending' }, t('ended.pending', { n: opts.pending }))
        : null,
      h('p', { class: 'muted' }, t('ended.help')),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'primary big', testid: 'session-ended-login', onclick: opts.onLogin,
          'data-autofocus': true,
        }, t('ended.login'))),
    ]));
}

export function connectingScreen(opts) {
  return h('div', { class: 'center' },
    card('narrow', 'connecting', [
      h('div', { class: 'spinner', 'aria-hidden': 'true' }),
      h('h1', null, t('connecting.title')),
      h('p', null, opts && opts.pending ? t('connecting.pending', { n: opts.pending }) : t('connecting.body')),
    ]));
}

export function pauseOverlay() {
  return h('div', { class: 'overlay pause', testid: 'pause-screen', role: 'alertdialog', 'aria-live': 'assertive' },
    h('div', { class: 'overlay-card' },
      h('div', { class: 'pause-icon', 'aria-hidden': 'true' }, h('span'), h('span')),
      h('h1', null, t('pause.title')),
      h('p', null, t('pause.body'))));
}

export function timeUpOverlay(message) {
  return h('div', { class: 'overlay timeup', testid: 'time-up', role: 'alertdialog' },
    h('div', { class: 'overlay-card' },
      h('h1', null, t('timeup.title')),
      h('p', null, message || t('timeup.saving'))));
}

function numberList(label, numbers, testid, emptyText) {
  return h('div', { class: 'number-list', testid: testid },
    h('strong', null, label + ': '),
    numbers.length ? numbers.join(', ') : emptyText);
}

/**
 * A confirmation with an unanswered / doubtful summary. Returns {node, setBusy, setError}.
 * opts: title, lead, unanswered, doubtful, confirmLabel, confirmTestId, onConfirm, onCancel
 */
export function confirmDialog(opts) {
  const error = h('p', { class: 'error', role: 'alert', testid: 'dialog-error' });
  error.hidden = true;
  const confirm = h('button', {
    type: 'button', class: 'primary big', testid: opts.confirmTestId, onclick: opts.onConfirm,
  }, opts.confirmLabel);
  const cancel = h('button', {
    type: 'button', class: 'secondary big', testid: 'cancel-dialog', onclick: opts.onCancel,
    'data-autofocus': true,
  }, t('dialog.cancel'));
  const node = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', testid: opts.testid },
    h('h2', null, opts.title),
    opts.lead ? h('p', null, opts.lead) : null,
    opts.unanswered
      ? numberList(t('dialog.unanswered'), opts.unanswered, 'dialog-unanswered', t('dialog.none'))
      : null,
    opts.doubtful ? numberList(t('dialog.doubtful'), opts.doubtful, 'dialog-doubtful', t('dialog.none')) : null,
    opts.warning ? h('p', { class: 'warn-box' }, opts.warning) : null,
    error,
    h('div', { class: 'actions' }, cancel, confirm));
  return {
    node: node,
    setBusy(text) {
      confirm.disabled = !!text;
      cancel.disabled = !!text;
      confirm.textContent = text || opts.confirmLabel;
    },
    setError(text) {
      error.textContent = text || '';
      error.hidden = !text;
    },
  };
}

function rejectedNumbers(rejected) {
  const numbers = rejected
    .map((r) => r.number)
    .filter((n) => n !== undefined && n !== null)
    .sort((a, b) => a - b);
  return numbers.length ? numbers.join(', ') : '?';
}

export function rejectedNotice(rejected, onDismiss) {
  return h('div', { class: 'notice', role: 'alert', testid: 'rejected-notice' },
    h('span', null, t('rejected.body', { numbers: rejectedNumbers(rejected) })),
    h('button', { type: 'button', class: 'secondary', testid: 'rejected-dismiss', onclick: onDismiss },
      t('rejected.dismiss')));
}
