// The heartbeat: the kiosk's liveness for the dashboard and the fallback way the proctor's
// actions reach it. Mixed into KioskApp (app.js).
import {
  CONTROL_JITTER_MS,
  FINISHED,
  HEARTBEAT_MS,
  PAUSED_POLL_MS,
  RECONCILE_JITTER_MS,
} from './constants.js';
import { sameId } from './util.js';

export const heartbeatMethods = {
  heartbeatSoon(ms) {
    if (!this.session) return;
    this.stopHeartbeat();
    const gen = this.gen;
    this.heartbeatTimer = setTimeout(() => gen === this.gen && this.heartbeat(), ms);
  },

  stopHeartbeat() {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  },

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
  },

  onHeartbeat(d, at) {
    if (FINISHED.indexOf(d.status) >= 0) {
      this.reload();
      return;
    }
    if (d.status === 'not_started' || this.screenName === 'instructions') return;
    if (d.paused && !this.paused) {
      // During a break remaining_ms is the next section's full time, not a running clock.
      this.enterPause(null, typeof d.break_remaining_ms === 'number' ? null : d.remaining_ms, at);
      this.reload(); // learn which section and its frozen time from the attempt
      return;
    }
    if (!d.paused && this.paused) {
      this.reload();
      return;
    }
    if (this.breakSectionId !== null && this.screenName === 'transition') {
      // On the break screen: the break ended without us (the server started the clock), or
      // its time moved (a proctor's pause elsewhere): follow the server.
      if (typeof d.break_remaining_ms !== 'number') this.reload();
      else this.breakClock.set(d.break_remaining_ms, at, false);
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
  },

  /** The push channel said the proctor acted: show a pause at once, then ask for the state. */
  onControl(control) {
    // Only a room-wide change reaches every kiosk at once: spread those; one kiosk asks now.
    const jitter = control.scope === 'sitting' ? Math.floor(Math.random() * CONTROL_JITTER_MS) : 0;
    if (control.what === 'token') return;
    if (control.what === 'start') {
      if (this.waitingForStart) setTimeout(() => this.waitingForStart && this.startWhenReady(), jitter / 2);
      return;
    }
    if (typeof control.paused === 'boolean') {
      // A room's pause or resume names this kiosk's state: show it now, confirm it later.
      if (control.paused && this.exam && !this.paused) this.enterPause(null, null, null);
      if (!control.paused && this.exam && this.paused) {
        this.countdown.thaw();
        this.leavePause();
      }
      // Off the exam screen (instructions, a transition) nothing was shown: ask within the short spread.
      this.heartbeatSoon(this.exam ? Math.floor(Math.random() * RECONCILE_JITTER_MS) : jitter);
      return;
    }
    if (control.what === 'pause' && this.exam && !this.paused) this.enterPause(null, null, null);
    this.heartbeatSoon(jitter);
  },
};
