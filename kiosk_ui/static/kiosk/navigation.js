// Following the server: GET /attempt and route to the screen its state calls for; opening a
// section; the countdown; entering and leaving a pause. Mixed into KioskApp (app.js).
import { FINISHED, HEARTBEAT_MS, PAUSED_POLL_MS, STILL_OPEN_RETRY_MS } from './constants.js';
import { h } from './dom.js';
import { backoffDelay } from './outbox.js';
import { sameId, sleep } from './util.js';

export const navigationMethods = {
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
  },

  reloadLater(ms) {
    const gen = this.gen;
    setTimeout(() => gen === this.gen && this.reload(), ms);
  },

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
      if (this.breakSectionId !== null && sameId(this.breakSectionId, open.id)) {
        // The break on screen ended (its time ran out, or this was our own click): go on.
        this.afterClose = false;
        await this.openSection(open.id);
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
  },

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
  },

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
  },

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
  },

  setClock(sectionId, remainingMs, at) {
    this.clockSectionId = sectionId;
    this.countdown.set(remainingMs, at, this.paused);
  },

  clearClock() {
    this.clockSectionId = null;
    this.countdown.clear();
  },

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
  },

  leavePause() {
    if (!this.paused) return;
    this.paused = false;
    this.hideOverlay('pause');
    this.heartbeatSoon(HEARTBEAT_MS);
  },
};
