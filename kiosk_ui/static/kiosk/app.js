// The kiosk state machine: login → identity → instructions → sections (⇄ pause) → finished.
// The server decides every transition; the app asks it (GET /attempt) and follows. The methods
// live in one module per concern and are mixed in here; main.js starts the app.
import { answeringMethods } from './answering.js';
import { KioskApi } from './api.js';
import { Countdown, ServerClock } from './clock.js';
import { FONT_KEY, SESSION_KEY } from './constants.js';
import { finishMethods } from './finish.js';
import { heartbeatMethods } from './heartbeat.js';
import { onLangChange, toggleLang } from './i18n.js';
import { loginMethods } from './login.js';
import { navigationMethods } from './navigation.js';
import * as R from './render.js';
import { screenMethods } from './screens.js';
import { local, session } from './storage.js';

export class KioskApp {
  constructor(config) {
    this.config = config;
    this.clock = new ServerClock();
    this.api = new KioskApi({ base: config.apiBase, clock: this.clock });
    this.api.onUnauthorized(() => this.sessionEnded());
    this.api.onBrowserRefused((err) => this.browserRefused(err));
    this.countdown = new Countdown(this.clock, {
      onTick: (ms, level, paused) => this.shell.setCountdown(ms, level, paused),
      onExpire: () => this.onDeadline(),
    });
    // The break between sections: the server's remaining ms, counted like the section clock.
    this.breakClock = new Countdown(this.clock, {
      onTick: (ms) => R.showBreakLeft(ms),
      onExpire: () => this.onBreakOver(),
    });
    this.breakSectionId = null; // the section waiting behind the break on screen
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
    this.push = null; // PushChannel of this session
    this.waitingForStart = false; // pressed "Mulai ujian" before the proctor started
    this.startBusy = false;
    this.waitTimer = null;
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
    this.breakClock.start();
    const stored = session.get(SESSION_KEY, null) || local.get(SESSION_KEY, null);
    if (stored && stored.kiosk_token && stored.attempt_id !== undefined && stored.attempt_id !== null) {
      this.startSession(stored);
      if (stored.confirmed) {
        this.render('connecting', () => R.connectingScreen({ pending: this.outbox.pendingCount() }), 'session');
        this.reload();
      } else this.showConfirm();
    } else this.showLogin();
  }
}

Object.assign(
  KioskApp.prototype,
  screenMethods,
  loginMethods,
  navigationMethods,
  answeringMethods,
  finishMethods,
  heartbeatMethods,
);
