// What the participant sees: one method per screen, the overlays (pause, time up) and the
// font size. Mixed into KioskApp (app.js); `this` is the app.
import { FONT_KEY, SURVIVES_OUTAGE, WAIT_RETRY_MS } from './constants.js';
import { t } from './i18n.js';
import * as R from './render.js';
import { local, session } from './storage.js';
import { errorText } from './util.js';

export const screenMethods = {
  render(name, view, mode) {
    if (name !== 'transition' && this.breakSectionId !== null) this.stopBreak();
    this.screenName = name;
    this.view = view;
    this.viewMode = mode || 'plain';
    this.overlayKind = null;
    this.shell.setScreen(view(), this.viewMode);
  },

  relabel() {
    this.shell.closeModal();
    this.shell.relabel();
    if (this.view) {
      const overlay = this.overlayKind;
      this.shell.setScreen(this.view(), this.viewMode);
      if (overlay) this.showOverlay(overlay, this.overlayMessage);
    }
    this.showRejected();
  },

  showOverlay(kind, messageKey) {
    this.overlayKind = kind;
    this.overlayMessage = messageKey;
    this.shell.closeModal();
    this.shell.showOverlay(kind === 'pause' ? R.pauseOverlay() : R.timeUpOverlay(t(messageKey || 'timeup.saving')));
  },

  hideOverlay(kind) {
    if (kind && this.overlayKind !== kind) return;
    this.overlayKind = null;
    this.shell.hideOverlay();
  },

  setFont(index) {
    this.font = Math.min(R.FONT_SCALES.length - 1, Math.max(0, index));
    local.set(FONT_KEY, this.font);
    this.shell.setFontScale(this.font);
  },

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
  },

  rerenderLogin() {
    if (this.screenName === 'login') this.shell.setScreen(this.view(), 'plain');
  },

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
  },

  showInstructions(error) {
    const view = () => R.instructionsScreen(this.attempt, {
      busy: this.startBusy,
      waiting: this.waitingForStart,
      error: error,
      onStart: () => this.startWhenReady(),
    });
    this.render('instructions', view, 'session');
  },

  /** "Mulai ujian": starts the clock once the proctor has started the sitting; until then the
   * screen waits and moves on by itself (push channel, or a slow retry as the fallback). */
  async startWhenReady() {
    const gen = this.gen;
    if (this.startBusy) return;
    this.startBusy = true;
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    if (this.screenName === 'instructions') this.shell.setScreen(this.view(), 'session');
    let res;
    try {
      res = await this.api.start();
    } catch (err) {
      this.startBusy = false;
      if (gen !== this.gen || err.status === 401) return;
      if (err.status === 409 && (err.code === 'sitting_not_started' || err.code === 'attempt_paused')) {
        this.waitingForStart = true;
        const wait = WAIT_RETRY_MS + Math.floor(Math.random() * WAIT_RETRY_MS);
        this.waitTimer = setTimeout(() => gen === this.gen && this.waitingForStart && this.startWhenReady(), wait);
        if (this.screenName === 'instructions') this.showInstructions();
        return;
      }
      if (err.status === 409) {
        this.reload();
        return;
      }
      this.showInstructions(errorText(err));
      return;
    }
    this.startBusy = false;
    this.waitingForStart = false;
    if (gen === this.gen) this.reload({ prefetched: res });
  },

  showTransition(section, at) {
    this.exam = null;
    this.afterClose = true; // stays on this screen across reloads until the participant continues
    this.shell.setSectionTitle(section.title);
    if (section.status === 'open') this.setClock(section.id, section.remaining_ms, at);
    else this.clearClock();
    // A break runs before this section: its clock starts at the click or when the break ends.
    const resting = section.status === 'pending' && typeof section.break_remaining_ms === 'number';
    this.breakSectionId = resting ? section.id : null;
    if (resting) this.breakClock.set(section.break_remaining_ms, at, false);
    else this.breakClock.clear();
    let error = '';
    const view = () => R.transitionScreen(section, {
      afterClose: this.afterClose,
      error: error,
      resting: resting,
      breakMs: resting ? this.breakClock.remaining() : null,
      onContinue: async () => {
        this.afterClose = false;
        this.stopBreak();
        if (section.status === 'open') {
          this.openSection(section.id);
          return;
        }
        // The next section is pending (behind a break): POST /attempt/start opens it.
        const gen = this.gen;
        try {
          const res = await this.api.start();
          if (gen === this.gen) this.reload({ prefetched: res });
        } catch (err) {
          if (gen !== this.gen || err.status === 401) return;
          if (err.status === 409) {
            this.reload();
            return;
          }
          error = errorText(err);
          this.shell.setScreen(view(), 'exam');
        }
      },
    });
    this.render('transition', view, 'exam');
    // Reloaded after the break ran out but before the server started the section: go on now.
    if (resting && this.breakClock.remaining() === 0) this.onBreakOver();
  },

  stopBreak() {
    this.breakSectionId = null;
    this.breakClock.clear();
  },

  /** The break ran out on screen: the section's clock is running now, so go to it. */
  onBreakOver() {
    if (this.screenName !== 'transition' || this.breakSectionId === null || this.paused) return;
    const gen = this.gen;
    this.afterClose = false;
    this.stopBreak();
    this.api.start().then(
      (res) => gen === this.gen && this.reload({ prefetched: res }),
      (err) => gen === this.gen && err.status !== 401 && this.reload(),
    );
  },

  showFinishPrompt() {
    this.exam = null;
    this.clearClock();
    this.render('finish-prompt', () => R.finishPromptScreen({ onFinish: () => this.confirmFinish() }), 'session');
  },

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
  },

  connectionTrouble() {
    if (this.exam && this.exam.locked && this.overlayKind === 'timeup') {
      this.showOverlay('timeup', 'timeup.offline');
    }
    if (SURVIVES_OUTAGE.indexOf(this.screenName) >= 0) return;
    const pending = this.outbox ? this.outbox.pendingCount() : 0;
    this.render('connecting', () => R.connectingScreen({ pending: pending }), 'session');
  },

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
  },
};
