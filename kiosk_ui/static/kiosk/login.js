// The kiosk session: login, the outbox of one attempt, logout, and the end of a session the
// proctor reset. Mixed into KioskApp (app.js).
import { HEARTBEAT_MS, POSITION_PREFIX, SESSION_KEY } from './constants.js';
import { t } from './i18n.js';
import { Outbox, OUTBOX_PREFIX } from './outbox.js';
import { PushChannel } from './push.js';
import * as R from './render.js';
import { local, session } from './storage.js';
import { browserRefusedText, loginErrorText, normaliseSecret } from './util.js';

export const loginMethods = {
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
  },

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
        paused: () => outbox === this.outbox && !this.paused && this.heartbeatSoon(0),
        rejected: () => outbox === this.outbox && this.showRejected(),
      },
    });
    this.outbox = outbox;
    this.shell.setSaveStatus(outbox.status());
    this.showRejected();
    outbox.kick(); // replay whatever an earlier page or login of this attempt left unsent
    const gen = this.gen;
    this.push = new PushChannel(this.api, (control) => gen === this.gen && this.onControl(control));
    this.push.start();
    this.heartbeatSoon(HEARTBEAT_MS);
  },

  saveSession() {
    session.set(SESSION_KEY, this.session);
    // Also in localStorage so a reload or a crashed browser resumes without a new login.
    local.set(SESSION_KEY, this.session);
  },

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
    if (this.push) this.push.stop();
    this.push = null;
    this.waitingForStart = false;
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimer = null;
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
  },

  logout(forgetAttempt) {
    // Tell the server first, so that logging in again needs no proctor; offline, it stays open.
    if (this.session) this.api.logout().catch(() => {});
    this.endSession(!!forgetAttempt);
    this.showLogin();
  },

  /** 401: the proctor reset this login or the participant logged in elsewhere. */
  browserRefused(err) {
    if (!this.session || this.screenName === 'browser-refused') return;
    const text = browserRefusedText(err);
    this.exam = null; // the question page is gone: "Coba lagi" opens the section again
    this.render('browser-refused', () => R.browserRefusedScreen({
      text: text,
      onRetry: () => {
        if (this.outbox) this.outbox.kick();
        this.reload();
      },
    }), 'plain');
  },

  sessionEnded() {
    if (!this.session) return;
    const pending = this.outbox ? this.outbox.pendingCount() : 0;
    this.endSession(false);
    this.render('session-ended', () => R.sessionEndedScreen({
      pending: pending,
      onLogin: () => this.showLogin(),
    }), 'plain');
  },
};
