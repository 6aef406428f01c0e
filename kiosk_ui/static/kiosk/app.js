// The kiosk state machine: login → identity → instructions → sections (⇄ pause) → finished.
// The server decides every transition; this module asks it (GET /attempt) and follows.
import { KioskApi } from './api.js';
import { Countdown, ServerClock } from './clock.js';
import { h } from './dom.js';
import { initI18n, onLangChange, t, toggleLang } from './i18n.js';
import { backoffDelay, Outbox, OUTBOX_PREFIX } from './outbox.js';
import { QuestionPage } from './question_page.js';
import * as R from './render.js';
import { local, session } from './storage.js';
import { errorText, isTextEntry, loginErrorText, normaliseSecret, sameId, sleep } from './util.js';

const SESSION_KEY = 'cact.kiosk.session';
const POSITION_PREFIX = 'cact.kiosk.position.';
const FONT_KEY = 'cact.kiosk.font';
const HEARTBEAT_MS = 15000;
const PAUSED_POLL_MS = 3000;
const STILL_OPEN_RETRY_MS = 2000;
const SUBMIT_FLUSH_MS = 10000;
const FINISHED = ['submitted', 'expired', 'terminated'];
// Screens that stay up while the connection is down; anything else gives way to "connecting".
const SURVIVES_OUTAGE = ['exam', 'paused', 'transition', 'finished', 'finish-prompt', 'instructions'];

class KioskApp {
  constructor(config) {
    this.config = config;
    this.clock = new ServerClock();
    this.api = new KioskApi({ base: config.apiBase, clock: this.clock });
    this.api.onUnauthorized(() => this.sessionEnded());
    this.countdown = new Countdown(this.clock, {
      onTick: (ms, level, paused) => this.shell.setCountdown(ms, level, paused),
      onExpire: () => this.onDeadline(),
    });
    const font = Number(local.get(FONT_KEY, R.DEFAULT_FONT));
    this.font = font >= 0 && font < R.FONT_SCALES.length ? Math.floor(font) : R.DEFAULT_FONT;
    this.shell = new R.Shell(document.getElementById('app'), {
      lang: () => toggleLang(),
      fontSmaller: () => this.setFont(this.font - 1),
      fontReset: () => this.setFont(R.DEFAULT_FONT),
      fontBigger: () => this.setFont(this.font + 1),
    });
    this.shell.setFontScale(this.font);
    this.gen = 0; // bumped by every login / logout: async work started before checks it
    this.session = null; // {kiosk_token, attempt_id, participant, confirmed}
    this.outbox = null;
    this.attempt = null;
    this.exam = null; // {section, answers, index, locked, page}
    this.paused = false;
    this.afterClose = false;
    this.clockSectionId = null;
    this.screenName = null;
    this.view = null;
    this.viewMode = 'plain';
    this.overlayKind = null;
    this.reloading = null; // {gen, prefetched, again, promise} of the GET /attempt loop running
    this.deadlineBusy = false;
    this.heartbeatTimer = null;
    this.loginDraft = { participant_no: '', token: '', secret: '' };
    this.loginState = { busy: false, error: '', message: '' };
  }

  boot() {
    onLangChange(() => this.relabel());
    window.addEventListener('online', () => {
      if (this.outbox) this.outbox.kick();
      this.heartbeatSoon(0);
    });
    window.addEventListener('offline', () => {
      if (this.outbox) this.outbox.setLinkDown(true);
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.heartbeatSoon(0);
    });
    document.addEventListener('keydown', (ev) => this.onKey(ev));
    this.countdown.start();
    const stored = session.get(SESSION_KEY, null) || local.get(SESSION_KEY, null);
    if (stored && stored.kiosk_token && stored.attempt_id !== undefined && stored.attempt_id !== null) {
      this.startSession(stored);
      if (stored.confirmed) {
        this.render('connecting', () => R.connectingScreen({ pending: this.outbox.pendingCount() }), 'session');
        this.reload();
      } else this.showConfirm();
    } else this.showLogin();
  }

  // ----- screens -------------------------------------------------------------------------

  render(name, view, mode) {
    this.screenName = name;
    this.view = view;
    this.viewMode = mode || 'plain';
    this.overlayKind = null;
    this.shell.setScreen(view(), this.viewMode);
  }

  relabel() {
    this.shell.closeModal();
    this.shell.relabel();
    if (this.view) {
      const overlay = this.overlayKind;
      this.shell.setScreen(this.view(), this.viewMode);
      if (overlay) this.showOverlay(overlay, this.overlayMessage);
    }
    this.showRejected();
  }

  showOverlay(kind, messageKey) {
    this.overlayKind = kind;
    this.overlayMessage = messageKey;
    this.shell.closeModal();
    this.shell.showOverlay(kind === 'pause' ? R.pauseOverlay() : R.timeUpOverlay(t(messageKey || 'timeup.saving')));
  }

  hideOverlay(kind) {
    if (kind && this.overlayKind !== kind) return;
    this.overlayKind = null;
    this.shell.hideOverlay();
  }

  setFont(index) {
    this.font = Math.min(R.FONT_SCALES.length - 1, Math.max(0, index));
    local.set(FONT_KEY, this.font);
    this.shell.setFontScale(this.font);
  }

  showLogin(opts) {
    const o = opts || {};
    this.loginState = { busy: false, error: o.error || '', message: o.message || '' };
    this.render('login', () => R.loginScreen({
      values: this.loginDraft,
      error: this.loginState.error,
      message: this.loginState.message,
      busy: this.loginState.busy,
      onSubmit: (values) => this.login(values),
    }), 'plain');
  }

  rerenderLogin() {
    if (this.screenName === 'login') this.shell.setScreen(this.view(), 'plain');
  }

  showConfirm() {
    this.render('confirm', () => R.confirmScreen(this.session.participant, {
      onYes: () => {
        this.session.confirmed = true;
        this.saveSession();
        this.render('connecting', () => R.connectingScreen(), 'session');
        this.reload();
      },
      onNo: () => this.logout(),
    }), 'session');
  }

  showInstructions(error) {
    let busy = false;
    const view = () => R.instructionsScreen(this.attempt, {
      busy: busy,
      error: error,
      onStart: async () => {
        const gen = this.gen;
        busy = true;
        this.shell.setScreen(view(), 'session');
        try {
          const res = await this.api.start();
          if (gen === this.gen) this.reload({ prefetched: res });
        } catch (err) {
          if (gen !== this.gen || err.status === 401) return;
          if (err.status === 409) {
            this.reload();
            return;
          }
          this.showInstructions(errorText(err));
        }
      },
    });
    this.render('instructions', view, 'session');
  }

  showTransition(section, at) {
    this.exam = null;
    this.afterClose = true; // stays on this screen across reloads until the participant continues
    this.shell.setSectionTitle(section.title);
    if (section.status === 'open') this.setClock(section.id, section.remaining_ms, at);
    else this.clearClock();
    let error = '';
    const view = () => R.transitionScreen(section, {
      afterClose: this.afterClose,
      error: error,
      onContinue: async () => {
        this.afterClose = false;
        if (section.status === 'open') {
          this.openSection(section.id);
          return;
        }
        // The server left the next section pending: POST /attempt/start opens it.
        const gen = this.gen;
        try {
          const res = await this.api.start();
          if (gen === this.gen) this.reload({ prefetched: res });
        } catch (err) {
          if (gen !== this.gen || err.status === 401) return;
          error = errorText(err);
          this.shell.setScreen(view(), 'exam');
        }
      },
    });
    this.render('transition', view, 'exam');
  }

  showFinishPrompt() {
    this.exam = null;
    this.clearClock();
    this.render('finish-prompt', () => R.finishPromptScreen({ onFinish: () => this.confirmFinish() }), 'session');
  }

  showFinished(status, results) {
    this.exam = null;
    this.paused = false;
    this.clearClock();
    this.stopHeartbeat();
    this.render('finished', () => R.finishedScreen(status, {
      allSaved: !this.outbox || (this.outbox.pendingCount() === 0 && this.outbox.rejected().length === 0),
      rejected: this.outbox ? this.outbox.rejected() : [],
      results: results || null,
      onLogout: () => this.logout(true),
    }), 'session');
  }

  connectionTrouble() {
    if (this.exam && this.exam.locked && this.overlayKind === 'timeup') {
      this.showOverlay('timeup', 'timeup.offline');
    }
    if (SURVIVES_OUTAGE.indexOf(this.screenName) >= 0) return;
    const pending = this.outbox ? this.outbox.pendingCount() : 0;
    this.render('connecting', () => R.connectingScreen({ pending: pending }), 'session');
  }

  showRejected() {
    const list = this.outbox ? this.outbox.unseenRejected() : [];
    if (!list.length) {
      this.shell.setNotice(null);
      return;
    }
    this.shell.setNotice(R.rejectedNotice(list, () => {
      if (this.outbox) this.outbox.markRejectedSeen();
      this.shell.setNotice(null);
    }));
  }

  // ----- session -------------------------------------------------------------------------

  async login(values) {
    const no = String(values.participant_no || '').trim();
    const token = String(values.token || '').trim().toUpperCase();
    const secret = normaliseSecret(values.secret);
    if (!no || !token) {
      this.loginState.error = t('login.missing');
      this.rerenderLogin();
      return;
    }
    this.loginState.busy = true;
    this.loginState.error = '';
    this.rerenderLogin();
    let res;
    try {
      res = await this.api.login(no, token, secret);
    } catch (err) {
      this.loginState.busy = false;
      this.loginState.error = loginErrorText(err);
      this.rerenderLogin();
      return;
    }
    const d = res.data || {};
    if (!d.kiosk_token || d.attempt_id === undefined || d.attempt_id === null) {
      this.loginState.busy = false;
      this.loginState.error = t('login.server');
      this.rerenderLogin();
      return;
    }
    this.loginDraft = { participant_no: '', token: '', secret: '' };
    this.startSession({
      kiosk_token: d.kiosk_token,
      attempt_id: d.attempt_id,
      participant: d.participant || { participant_no: no },
      confirmed: false,
    });
    this.showConfirm();
  }

  startSession(stored) {
    this.endSession(false);
    this.gen += 1;
    this.session = stored;
    this.saveSession();
    this.api.setToken(stored.kiosk_token);
    const outbox = new Outbox({
      attemptId: stored.attempt_id,
      api: this.api,
      hooks: {
        status: (st) => {
          if (outbox !== this.outbox) return;
          this.shell.setSaveStatus(st);
          if (this.exam && this.exam.page) this.exam.page.refreshAll();
          if (this.screenName === 'finished') this.shell.setScreen(this.view(), this.viewMode);
        },
        acked: (entry, data, at) => outbox === this.outbox && this.onAcked(entry, data, at),
        conflict: (entry) => outbox === this.outbox && this.onConflict(entry),
        closed: () => outbox === this.outbox && this.reload(),
        rejected: () => outbox === this.outbox && this.showRejected(),
      },
    });
    this.outbox = outbox;
    this.shell.setSaveStatus(outbox.status());
    this.showRejected();
    outbox.kick(); // replay whatever an earlier page or login of this attempt left unsent
    this.heartbeatSoon(HEARTBEAT_MS);
  }

  saveSession() {
    session.set(SESSION_KEY, this.session);
    // Also in localStorage so a reload or a crashed browser resumes without a new login.
    local.set(SESSION_KEY, this.session);
  }

  /** Forget the kiosk token. The outbox stays in localStorage unless `forgetAttempt`. */
  endSession(forgetAttempt) {
    this.gen += 1;
    this.stopHeartbeat();
    if (this.outbox) {
      this.outbox.stop();
      if (forgetAttempt && this.outbox.pendingCount() === 0) {
        local.remove(OUTBOX_PREFIX + this.outbox.attemptId);
        local.remove(POSITION_PREFIX + this.outbox.attemptId);
      }
    }
    this.outbox = null;
    this.session = null;
    this.attempt = null;
    this.exam = null;
    this.paused = false;
    this.afterClose = false;
    this.api.setToken(null);
    session.remove(SESSION_KEY);
    local.remove(SESSION_KEY);
    this.clearClock();
    this.shell.setNotice(null);
    this.shell.setSaveStatus({ state: 'saved', pending: 0 });
  }

  logout(forgetAttempt) {
    // Tell the server first, so that logging in again needs no proctor; offline, it stays open.
    if (this.session) this.api.logout().catch(() => {});
    this.endSession(!!forgetAttempt);
    this.showLogin();
  }

  /** 401: the proctor reset this login or the participant logged in elsewhere. */
  sessionEnded() {
    if (!this.session) return;
    const pending = this.outbox ? this.outbox.pendingCount() : 0;
    this.endSession(false);
    this.render('session-ended', () => R.sessionEndedScreen({
      pending: pending,
      onLogin: () => this.showLogin(),
    }), 'plain');
  }

  // ----- following the server --------------------------------------------------------------

  /**
   * GET /attempt and route, retrying with backoff while the network is down. Calls made while
   * one is running just ask it to go round once more, so routing never runs twice at a time.
   */
  reload(opts) {
    const o = opts || {};
    if (o.afterClose) this.afterClose = true;
    const running = this.reloading;
    if (running && running.gen === this.gen) {
      if (o.prefetched) running.prefetched = o.prefetched;
      running.again = true;
      return running.promise;
    }
    const job = { gen: this.gen, prefetched: o.prefetched || null, again: false, promise: null };
    this.reloading = job;
    job.promise = (async () => {
      let failures = 0;
      try {
        do {
          job.again = false;
          let res = job.prefetched;
          job.prefetched = null;
          if (!res) {
            try {
              res = await this.api.attempt();
            } catch (err) {
              if (job.gen !== this.gen || err.status === 401) return;
              failures += 1;
              this.connectionTrouble();
              await sleep(backoffDelay(failures));
              job.again = true;
              continue;
            }
          }
          if (job.gen !== this.gen) return;
          failures = 0;
          await this.route(res.data || {}, res.at);
        } while (job.again && job.gen === this.gen);
      } finally {
        if (this.reloading === job) this.reloading = null;
      }
    })();
    return job.promise;
  }

  reloadLater(ms) {
    const gen = this.gen;
    setTimeout(() => gen === this.gen && this.reload(), ms);
  }

  async route(attempt, at) {
    this.attempt = attempt;
    if (this.outbox && typeof attempt.max_seq === 'number') this.outbox.reconcile(null, attempt.max_seq);
    if (FINISHED.indexOf(attempt.status) >= 0) {
      this.showFinished(attempt.status, attempt.results);
      return;
    }
    if (attempt.status === 'not_started') {
      this.showInstructions();
      return;
    }
    const sections = attempt.sections || [];
    const open =
      sections.find((s) => sameId(s.id, attempt.current_section_id) && s.status === 'open') ||
      sections.find((s) => s.status === 'open');
    if (attempt.paused) {
      this.enterPause(open || null, open ? open.remaining_ms : null, at);
      return;
    }
    this.leavePause();
    if (open) {
      if (this.exam && sameId(this.exam.section.id, open.id)) {
        this.setClock(open.id, open.remaining_ms, at);
        if (open.remaining_ms > 0) this.unlockExam();
        else {
          // Our clock ran out before the server closed the section: ask again shortly.
          this.lockExam('timeup.saving');
          this.reloadLater(STILL_OPEN_RETRY_MS);
        }
        return;
      }
      if (this.afterClose || (this.exam && !sameId(this.exam.section.id, open.id))) {
        this.showTransition(open, at);
        return;
      }
      await this.openSection(open.id);
      return;
    }
    const next = sections.find((s) => s.status === 'pending');
    if (next) {
      this.showTransition(next, at);
      return;
    }
    this.showFinishPrompt();
  }

  async openSection(sectionId) {
    const gen = this.gen;
    let failures = 0;
    let res;
    for (;;) {
      try {
        res = await this.api.section(sectionId);
        break;
      } catch (err) {
        if (gen !== this.gen || err.status === 401) return;
        if (err.status === 409 || err.status === 404) {
          this.afterClose = true;
          this.reload();
          return;
        }
        failures += 1;
        this.connectionTrouble();
        await sleep(backoffDelay(failures));
        if (gen !== this.gen) return;
      }
    }
    const sec = res.data || {};
    if (sec.status === 'closed') {
      this.afterClose = true;
      this.reload();
      return;
    }
    this.outbox.reconcile(sec.answers || {});
    this.afterClose = false;
    this.exam = {
      section: sec,
      answers: this.serverAnswers(sec.answers),
      index: this.restoreIndex(sec),
      locked: false,
      page: null,
    };
    this.shell.setSectionTitle(sec.title);
    this.render('exam', () => this.buildExamPage(), 'exam');
    this.setClock(sec.id, sec.remaining_ms, res.at);
    // Opened with no time left (e.g. after waiting on the transition screen): same as a deadline.
    if (!(sec.remaining_ms > 0)) this.onDeadline();
  }

  serverAnswers(raw) {
    const out = {};
    const answers = raw || {};
    for (const k of Object.keys(answers)) {
      const a = answers[k] || {};
      out[String(k)] = {
        option_id: a.option_id === undefined ? null : a.option_id,
        doubtful: !!a.doubtful,
        seq: Number(a.seq) || 0,
      };
    }
    return out;
  }

  async refreshAnswers() {
    const ex = this.exam;
    if (!ex) return;
    try {
      const res = await this.api.section(ex.section.id);
      if (this.exam !== ex) return;
      ex.answers = this.serverAnswers((res.data || {}).answers);
      if (this.outbox) this.outbox.reconcile((res.data || {}).answers || {});
      if (ex.page) ex.page.refreshAll();
    } catch (err) {
      /* the next heartbeat or save brings the state back */
    }
  }

  setClock(sectionId, remainingMs, at) {
    this.clockSectionId = sectionId;
    this.countdown.set(remainingMs, at, this.paused);
  }

  clearClock() {
    this.clockSectionId = null;
    this.countdown.clear();
  }

  enterPause(section, remainingMs, at) {
    this.paused = true;
    this.shell.closeModal();
    if (section) this.clockSectionId = section.id;
    if (typeof remainingMs === 'number') this.countdown.set(remainingMs, at, true);
    else this.countdown.freeze();
    if (!this.exam && this.screenName !== 'paused') {
      if (section) this.shell.setSectionTitle(section.title);
      this.render('paused', () => h('div', { class: 'paused-blank' }), 'exam');
    }
    this.showOverlay('pause');
    this.heartbeatSoon(PAUSED_POLL_MS);
  }

  leavePause() {
    if (!this.paused) return;
    this.paused = false;
    this.hideOverlay('pause');
    this.heartbeatSoon(HEARTBEAT_MS);
  }

  // ----- the question page ------------------------------------------------------------------

  buildExamPage() {
    const ex = this.exam;
    const sections = (this.attempt && this.attempt.sections) || [];
    const pos = sections.findIndex((s) => sameId(s.id, ex.section.id));
    const isLast = pos >= 0 && sections.slice(pos + 1).every((s) => s.status === 'closed');
    ex.page = new QuestionPage({
      section: ex.section,
      index: ex.index,
      isLast: isLast,
      participant: this.session ? this.session.participant : null,
      answerOf: (itemId) => this.answerOf(itemId),
      pendingOf: (itemId) => !!(this.outbox && this.outbox.pendingFor(itemId)),
      actions: {
        choose: (item, opt) => this.change(item, { option_id: opt.option_id }),
        clear: (item) => this.change(item, { option_id: null }),
        doubtful: (item, on) => this.change(item, { doubtful: on }),
        navigate: (index, item) => this.rememberPosition(index, item),
        submit: () => this.confirmSubmitSection(),
        finish: () => this.confirmFinish(),
      },
    });
    if (ex.locked) ex.page.setLocked(true);
    return ex.page.el;
  }

  /** What the participant sees: their newest change, acknowledged or not. */
  answerOf(itemId) {
    const pending = this.outbox && this.outbox.pendingFor(itemId);
    if (pending) return { option_id: pending.option_id, doubtful: pending.doubtful };
    return (this.exam && this.exam.answers[String(itemId)]) || null;
  }

  change(item, patch) {
    const ex = this.exam;
    if (!ex || ex.locked || this.paused || !this.outbox) return;
    const current = this.answerOf(item.item_id) || { option_id: null, doubtful: false };
    const next = {
      option_id: 'option_id' in patch ? patch.option_id : current.option_id,
      doubtful: 'doubtful' in patch ? !!patch.doubtful : !!current.doubtful,
    };
    this.outbox.enqueue({
      item_id: item.item_id,
      section_id: ex.section.id,
      number: item.number,
      option_id: next.option_id === undefined ? null : next.option_id,
      doubtful: next.doubtful,
    });
    if (ex.page) ex.page.refreshAll();
  }

  onAcked(entry, data, at) {
    const ex = this.exam;
    if (!ex || !sameId(entry.section_id, ex.section.id)) return;
    if (data.applied !== false || data.stored_seq === entry.seq) {
      ex.answers[String(entry.item_id)] = {
        option_id: entry.option_id,
        doubtful: entry.doubtful,
        seq: entry.seq,
      };
    }
    if (data.paused === true && !this.paused) {
      // The proctor paused: ask now instead of at the next heartbeat (it knows the section).
      this.heartbeatSoon(0);
    } else if (typeof data.remaining_ms === 'number' && !this.paused && !ex.locked) {
      this.setClock(ex.section.id, data.remaining_ms, at);
    }
    if (ex.page) ex.page.refreshAll();
  }

  onConflict(entry) {
    if (this.exam && sameId(entry.section_id, this.exam.section.id)) this.refreshAnswers();
  }

  rememberPosition(index, item) {
    if (!this.exam || !this.session) return;
    this.exam.index = index;
    local.set(POSITION_PREFIX + this.session.attempt_id, {
      section_id: this.exam.section.id,
      item_id: item.item_id,
    });
  }

  restoreIndex(section) {
    const pos = this.session ? local.get(POSITION_PREFIX + this.session.attempt_id, null) : null;
    if (!pos || !sameId(pos.section_id, section.id)) return 0;
    const i = (section.items || []).findIndex((it) => sameId(it.item_id, pos.item_id));
    return i >= 0 ? i : 0;
  }

  lockExam(messageKey) {
    if (!this.exam) return;
    this.exam.locked = true;
    if (this.exam.page) this.exam.page.setLocked(true);
    this.showOverlay('timeup', messageKey);
  }

  unlockExam() {
    if (!this.exam || !this.exam.locked) return;
    this.exam.locked = false;
    if (this.exam.page) this.exam.page.setLocked(false);
    this.hideOverlay('timeup');
  }

  /** Our countdown hit zero: stop input, give the queue the server's grace, then ask. */
  async onDeadline() {
    if (this.paused || this.deadlineBusy || !this.session) return;
    if (!this.exam) {
      if (this.screenName === 'transition') this.reload();
      return;
    }
    const gen = this.gen;
    this.deadlineBusy = true;
    this.lockExam('timeup.saving');
    try {
      if (this.outbox) await this.outbox.flush(Math.max(1500, this.config.graceMs));
    } finally {
      this.deadlineBusy = false;
    }
    if (gen === this.gen) this.reload();
  }

  confirmSubmitSection() {
    const ex = this.exam;
    if (!ex || ex.locked || this.paused) return;
    const s = ex.page.summary();
    const dlg = R.confirmDialog({
      testid: 'submit-dialog',
      title: t('submit.title', { title: ex.section.title || '' }),
      lead: t('submit.lead'),
      unanswered: s.unanswered,
      doubtful: s.doubtful,
      confirmLabel: t('submit.confirm'),
      confirmTestId: 'confirm-submit-section',
      onCancel: () => this.shell.closeModal(),
      onConfirm: () => this.closeSection(dlg, ex.section.id),
    });
    this.shell.showModal(dlg.node);
  }

  confirmFinish() {
    const ex = this.exam;
    if (this.paused || (ex && ex.locked)) return;
    const s = ex && ex.page ? ex.page.summary() : null;
    const dlg = R.confirmDialog({
      testid: 'finish-dialog',
      title: t('finish.title'),
      lead: t('finish.lead'),
      unanswered: s ? s.unanswered : null,
      doubtful: s ? s.doubtful : null,
      confirmLabel: t('finish.confirm'),
      confirmTestId: 'confirm-finish',
      onCancel: () => this.shell.closeModal(),
      onConfirm: () => this.closeSection(dlg, null),
    });
    this.shell.showModal(dlg.node);
  }

  /** Submit one section (sectionId) or finish the attempt (null) — only once nothing is unsent. */
  async closeSection(dlg, sectionId) {
    const gen = this.gen;
    dlg.setError(null);
    dlg.setBusy(t('submit.saving'));
    const flushed = this.outbox ? await this.outbox.flush(SUBMIT_FLUSH_MS) : true;
    if (gen !== this.gen) return;
    if (!flushed) {
      dlg.setBusy(null);
      dlg.setError(t('submit.unsent', { n: this.outbox ? this.outbox.pendingCount() : 0 }));
      return;
    }
    dlg.setBusy(t('submit.sending'));
    let res;
    try {
      res = sectionId === null ? await this.api.finish() : await this.api.submitSection(sectionId);
    } catch (err) {
      if (gen !== this.gen || err.status === 401) return;
      if (err.status === 409) {
        this.shell.closeModal();
        this.reload({ afterClose: true });
        return;
      }
      dlg.setBusy(null);
      dlg.setError(errorText(err));
      return;
    }
    if (gen !== this.gen) return;
    this.shell.closeModal();
    this.afterClose = true;
    this.reload({ prefetched: res });
  }

  // ----- heartbeat ---------------------------------------------------------------------------

  heartbeatSoon(ms) {
    if (!this.session) return;
    this.stopHeartbeat();
    const gen = this.gen;
    this.heartbeatTimer = setTimeout(() => gen === this.gen && this.heartbeat(), ms);
  }

  stopHeartbeat() {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  async heartbeat() {
    const gen = this.gen;
    this.heartbeatTimer = null;
    if (!this.session || this.screenName === 'finished') return;
    let res = null;
    try {
      res = await this.api.heartbeat();
    } catch (err) {
      if (gen !== this.gen || err.status === 401) return;
      if (this.outbox && err.network) this.outbox.setLinkDown(true);
    }
    if (gen !== this.gen) return;
    if (res) {
      if (this.outbox) {
        this.outbox.setLinkDown(false);
        if (this.outbox.pendingCount() > 0) this.outbox.kick();
      }
      this.onHeartbeat(res.data || {}, res.at);
    }
    // onHeartbeat may already have scheduled the next one (pause → faster polling).
    if (this.heartbeatTimer === null) this.heartbeatSoon(this.paused ? PAUSED_POLL_MS : HEARTBEAT_MS);
  }

  onHeartbeat(d, at) {
    if (FINISHED.indexOf(d.status) >= 0) {
      this.reload();
      return;
    }
    if (d.status === 'not_started' || this.screenName === 'instructions') return;
    if (d.paused && !this.paused) {
      this.enterPause(null, d.remaining_ms, at);
      this.reload(); // learn which section and its frozen time from the attempt
      return;
    }
    if (!d.paused && this.paused) {
      this.reload();
      return;
    }
    const moved =
      d.current_section_id !== undefined &&
      d.current_section_id !== null &&
      this.clockSectionId !== null &&
      !sameId(d.current_section_id, this.clockSectionId);
    if (moved) {
      this.reload({ afterClose: true });
      return;
    }
    const locked = this.exam && this.exam.locked;
    if (typeof d.remaining_ms === 'number' && this.clockSectionId !== null && !locked) {
      const shown = this.countdown.remaining();
      // More time than we thought: extra time, or (without current_section_id) the next
      // section already running. Only the attempt's per-section view can tell which.
      if (shown !== null && d.remaining_ms > shown + 5000) this.reload();
      else this.countdown.set(d.remaining_ms, at, !!d.paused);
    }
  }

  // ----- keyboard ----------------------------------------------------------------------------

  onKey(ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (this.shell.modalOpen()) {
      if (ev.key === 'Escape') {
        const cancel = this.shell.modal.querySelector('[data-testid="cancel-dialog"]');
        if (cancel && !cancel.disabled) this.shell.closeModal();
      }
      return;
    }
    if (isTextEntry(ev.target)) return;
    const ex = this.exam;
    if (this.screenName !== 'exam' || !ex || !ex.page || ex.locked || this.paused) return;
    if (ev.key === 'ArrowLeft') {
      ex.page.prev();
      ev.preventDefault();
    } else if (ev.key === 'ArrowRight') {
      ex.page.next();
      ev.preventDefault();
    } else if (typeof ev.key === 'string' && /^[a-f]$/i.test(ev.key)) {
      if (ex.page.chooseLabel(ev.key)) ev.preventDefault();
    }
  }
}

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
