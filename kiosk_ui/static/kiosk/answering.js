// The question page: answers (what the participant sees until the server acknowledges), the
// saved position, locking at the deadline, the keyboard. Mixed into KioskApp (app.js).
import { POSITION_PREFIX } from './constants.js';
import { QuestionPage } from './question_page.js';
import { local } from './storage.js';
import { isTextEntry, sameId } from './util.js';

export const answeringMethods = {
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
  },

  /** What the participant sees: their newest change, acknowledged or not. */
  answerOf(itemId) {
    const pending = this.outbox && this.outbox.pendingFor(itemId);
    if (pending) return { option_id: pending.option_id, doubtful: pending.doubtful };
    return (this.exam && this.exam.answers[String(itemId)]) || null;
  },

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
  },

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
  },

  onConflict(entry) {
    if (this.exam && sameId(entry.section_id, this.exam.section.id)) this.refreshAnswers();
  },

  rememberPosition(index, item) {
    if (!this.exam || !this.session) return;
    this.exam.index = index;
    local.set(POSITION_PREFIX + this.session.attempt_id, {
      section_id: this.exam.section.id,
      item_id: item.item_id,
    });
  },

  restoreIndex(section) {
    const pos = this.session ? local.get(POSITION_PREFIX + this.session.attempt_id, null) : null;
    if (!pos || !sameId(pos.section_id, section.id)) return 0;
    const i = (section.items || []).findIndex((it) => sameId(it.item_id, pos.item_id));
    return i >= 0 ? i : 0;
  },

  lockExam(messageKey) {
    if (!this.exam) return;
    this.exam.locked = true;
    if (this.exam.page) this.exam.page.setLocked(true);
    this.showOverlay('timeup', messageKey);
  },

  unlockExam() {
    if (!this.exam || !this.exam.locked) return;
    this.exam.locked = false;
    if (this.exam.page) this.exam.page.setLocked(false);
    this.hideOverlay('timeup');
  },

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
  },
};
