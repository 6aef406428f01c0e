// Ending a section or the attempt: the deadline, the confirm dialogs, submit once nothing is
// unsent. Mixed into KioskApp (app.js).
import { SUBMIT_FLUSH_MS } from './constants.js';
import { t } from './i18n.js';
import * as R from './render.js';
import { errorText } from './util.js';

export const finishMethods = {
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
  },

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
  },

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
  },

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
  },
};
