// The question page: one item at a time, the numbered grid, ragu-ragu, previous / next.
// It holds no answers itself: answerOf() / pendingOf() read the app's state on every refresh.
import { clear, h, trustedHtml } from './dom.js';
import { t } from './i18n.js';
import { sameId } from './util.js';

export function answerState(answer) {
  if (answer && answer.doubtful) return 'doubtful';
  if (answer && answer.option_id !== null && answer.option_id !== undefined) return 'answered';
  return 'unanswered';
}

export class QuestionPage {
  /**
   * opts: section {id, title, items}, index, isLast, participant, answerOf(itemId),
   * pendingOf(itemId), actions {choose(item, option), clear(item), doubtful(item, on),
   * navigate(index), submit(), finish()}
   */
  constructor(opts) {
    this.section = opts.section;
    this.items = opts.section.items || [];
    this.index = Math.min(Math.max(0, opts.index || 0), Math.max(0, this.items.length - 1));
    this.answerOf = opts.answerOf;
    this.pendingOf = opts.pendingOf;
    this.actions = opts.actions;
    this.locked = false;
    this.cells = {};
    this._build(opts);
    this.show(this.index);
  }

  get item() {
    return this.items[this.index] || null;
  }

  _build(opts) {
    const a = this.actions;
    this.numberEl = h('strong', { class: 'qnum', testid: 'question-number' });
    this.ofEl = h('span', { class: 'qof' });
    this.clearBtn = h('button', {
      type: 'button', class: 'link-btn', testid: 'clear-answer',
      onclick: () => this.item && !this.locked && a.clear(this.item),
    }, t('exam.clear'));
    this.stemEl = h('div', { class: 'stem', testid: 'question-stem' });
    this.mediaEl = h('figure', { class: 'media' });
    this.optionsEl = h('div', { class: 'options', role: 'radiogroup' });
    this.scrollEl = h('div', { class: 'qbody', testid: 'question-body' },
      this.stemEl, this.mediaEl, this.optionsEl);
    this.prevBtn = h('button', {
      type: 'button', class: 'nav-btn', testid: 'prev', onclick: () => this.prev(),
    }, '‹ ' + t('exam.prev'));
    this.nextBtn = h('button', {
      type: 'button', class: 'nav-btn primary', testid: 'next', onclick: () => this.next(),
    }, t('exam.next') + ' ›');
    this.doubtfulBox = h('input', { type: 'checkbox', testid: 'doubtful-toggle' });
    this.doubtfulBox.addEventListener('change', () => {
      if (!this.item) return;
      if (this.locked) {
        this.refresh(this.item.item_id);
        return;
      }
      a.doubtful(this.item, this.doubtfulBox.checked);
    });
    this.doubtfulLabel = h('label', { class: 'doubtful' }, this.doubtfulBox, h('span', null, t('exam.doubtful')));
    const qpane = h('div', { class: 'qpane' },
      h('div', { class: 'qhead' },
        h('span', { class: 'qlabel' }, t('exam.question')), this.numberEl, this.ofEl,
        h('span', { class: 'spacer' }), this.clearBtn),
      this.scrollEl,
      h('div', { class: 'qnav' }, this.prevBtn, this.doubtfulLabel, this.nextBtn));

    this.gridEl = h('div', { class: 'grid', role: 'navigation', 'aria-label': t('exam.grid') });
    this.items.forEach((item, i) => {
      const cell = h('button', {
        type: 'button', class: 'cell', testid: 'grid-item-' + item.number,
        onclick: () => this.show(i, true),
      }, h('span', { class: 'cell-num' }, String(item.number)), h('span', { class: 'cell-opt' }));
      this.cells[String(item.item_id)] = cell;
      this.gridEl.appendChild(cell);
    });
    this.progressEl = h('div', { class: 'progress', testid: 'progress' });
    const p = opts.participant || {};
    const buttons = opts.isLast
      ? h('button', { type: 'button', class: 'primary big wide', testid: 'finish-button', onclick: a.finish },
        t('finish.button'))
      : h('button', {
        type: 'button', class: 'primary big wide', testid: 'submit-section', onclick: a.submit,
      }, t('submit.button'));
    const gridpane = h('aside', { class: 'gridpane' },
      h('div', { class: 'who', testid: 'participant' },
        h('div', { class: 'who-name' }, p.name || ''),
        h('div', { class: 'who-no' }, p.participant_no || '')),
      h('div', { class: 'grid-head' }, h('span', null, t('exam.grid')), this.progressEl),
      this.gridEl,
      h('div', { class: 'legend' },
        legend('answered', t('legend.answered')),
        legend('doubtful', t('legend.doubtful')),
        legend('unanswered', t('legend.unanswered')),
        legend('current', t('legend.current'))),
      h('div', { class: 'grid-actions' }, buttons));
    this.el = h('div', { class: 'exam', testid: 'exam' }, qpane, gridpane);
  }

  show(index, userAction) {
    if (index < 0 || index >= this.items.length) return;
    const changed = index !== this.index;
    this.index = index;
    const item = this.item;
    this.numberEl.textContent = String(item.number);
    this.ofEl.textContent = t('exam.of', { i: index + 1, n: this.items.length });
    trustedHtml(this.stemEl, item.stem_html);
    clear(this.mediaEl);
    this.mediaEl.hidden = !item.media || !item.media.url;
    if (item.media && item.media.url) {
      const img = h('img', { alt: item.media.alt || '', loading: 'eager' });
      img.src = item.media.url;
      this.mediaEl.appendChild(img);
    }
    clear(this.optionsEl);
    this.optionEls = {};
    for (const opt of item.options || []) {
      const text = h('div', { class: 'option-text' });
      trustedHtml(text, opt.text_html);
      const el = h('div', {
        class: 'option', role: 'radio', tabindex: '0', 'aria-checked': 'false',
        testid: 'option-' + String(opt.label).toUpperCase(), 'data-option-id': String(opt.option_id),
      }, h('span', { class: 'option-label', 'aria-hidden': 'true' }, String(opt.label).toUpperCase()), text);
      el.addEventListener('click', () => this.choose(opt));
      el.addEventListener('keydown', (ev) => {
        if (ev.key === ' ' || ev.key === 'Enter') {
          ev.preventDefault();
          this.choose(opt);
        }
      });
      this.optionEls[String(opt.option_id)] = el;
      this.optionsEl.appendChild(el);
    }
    this.prevBtn.disabled = index === 0;
    this.nextBtn.disabled = index === this.items.length - 1;
    for (const id of Object.keys(this.cells)) this.cells[id].removeAttribute('data-current');
    const cell = this.cells[String(item.item_id)];
    cell.setAttribute('data-current', 'true');
    if (cell.scrollIntoView && userAction !== true) cell.scrollIntoView({ block: 'nearest' });
    if (changed) this.scrollEl.scrollTop = 0;
    this.refreshAll();
    if (this.actions.navigate) this.actions.navigate(index, item);
  }

  prev() {
    if (this.index > 0) this.show(this.index - 1);
  }

  next() {
    if (this.index < this.items.length - 1) this.show(this.index + 1);
  }

  choose(opt) {
    if (this.locked || !this.item) return;
    const current = this.answerOf(this.item.item_id);
    if (current && sameId(current.option_id, opt.option_id)) return; // a second tap never clears
    this.actions.choose(this.item, opt);
  }

  chooseLabel(label) {
    if (!this.item) return false;
    const up = String(label).toUpperCase();
    for (const opt of this.item.options || []) {
      if (String(opt.label).toUpperCase() === up) {
        this.choose(opt);
        return true;
      }
    }
    return false;
  }

  refresh(itemId) {
    const item = this.items.find((it) => String(it.item_id) === String(itemId));
    if (!item) return;
    const answer = this.answerOf(item.item_id);
    const cell = this.cells[String(item.item_id)];
    const chosen = answer && (item.options || []).find((o) => sameId(o.option_id, answer.option_id));
    cell.setAttribute('data-state', answerState(answer));
    cell.setAttribute('data-pending', this.pendingOf(item.item_id) ? 'true' : 'false');
    cell.querySelector('.cell-opt').textContent = chosen ? String(chosen.label).toUpperCase() : '';
    cell.setAttribute('aria-label', t('exam.cellLabel', { n: item.number, state: t('legend.' + answerState(answer)) }));
    if (this.item && String(this.item.item_id) === String(item.item_id)) {
      for (const id of Object.keys(this.optionEls)) {
        const on = !!answer && sameId(answer.option_id, id);
        this.optionEls[id].setAttribute('aria-checked', on ? 'true' : 'false');
        this.optionEls[id].setAttribute('data-selected', on ? 'true' : 'false');
      }
      this.doubtfulBox.checked = !!(answer && answer.doubtful);
      this.doubtfulLabel.className = 'doubtful' + (answer && answer.doubtful ? ' on' : '');
      this.clearBtn.hidden = !chosen;
    }
  }

  refreshAll() {
    for (const item of this.items) this.refresh(item.item_id);
    const s = this.summary();
    this.progressEl.textContent = t('exam.progress', { a: this.items.length - s.unanswered.length, n: this.items.length });
  }

  /** Numbers still unanswered and flagged doubtful, for the submit / finish confirmations. */
  summary() {
    const unanswered = [];
    const doubtful = [];
    for (const item of this.items) {
      const answer = this.answerOf(item.item_id);
      if (!answer || answer.option_id === null || answer.option_id === undefined) unanswered.push(item.number);
      if (answer && answer.doubtful) doubtful.push(item.number);
    }
    return { unanswered: unanswered, doubtful: doubtful };
  }

  setLocked(locked) {
    this.locked = !!locked;
    this.el.classList.toggle('locked', this.locked);
    this.doubtfulBox.disabled = this.locked;
  }
}

function legend(state, label) {
  return h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-' + state }), label);
}
