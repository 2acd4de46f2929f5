// Enrollment from a CSV file: pick a sequence, an owner and a start, upload; the answer lists
// what was imported and enrolled, and every bad line with its number.

import { api } from './api.js';
import { h, replace, announce } from './dom.js';
import { t, formatNumber } from './i18n.js';

const MAX_BYTES = 5 * 1024 * 1024;

export function createEnroll({ root, showError, clearError }) {
  let sequences = [];
  let result = null;
  let formError = '';
  let busy = false;
  const values = { sequence: '', owner: '', start: '' };

  async function show() {
    try {
      sequences = (await api.sequences()).sequences ?? [];
      if (!values.sequence && sequences[0]) values.sequence = String(sequences[0].id);
      clearError();
    } catch (err) {
      showError(err);
    }
    render();
    root.querySelector('h2')?.focus();
  }

  function render() {
    const sequence = h('select', { id: 'enroll-sequence', name: 'sequence', required: true,
      onchange: () => { values.sequence = sequence.value; } },
      sequences.map((s) => h('option', { value: String(s.id) }, `${s.name} (v${s.version ?? 1})`)));
    sequence.value = values.sequence;
    const owner = h('input', { id: 'enroll-owner', name: 'owner', type: 'email', autocomplete: 'off',
      value: values.owner, 'aria-describedby': 'enroll-owner-hint', oninput: () => { values.owner = owner.value; } });
    const start = h('input', { id: 'enroll-start', name: 'start', type: 'datetime-local',
      value: values.start, 'aria-describedby': 'enroll-start-hint', oninput: () => { values.start = start.value; } });
    const file = h('input', { id: 'enroll-file', name: 'file', type: 'file', accept: '.csv,text/csv', required: true,
      'aria-describedby': 'enroll-file-hint' });
    const error = h('p', { class: 'field-error', role: 'alert', id: 'enroll-error' }, formError);

    replace(root,
      h('h2', { tabindex: '-1' }, t('enroll.title')),
      h('p', { class: 'muted' }, t('enroll.intro')),
      h('form', { class: 'enroll-form', onsubmit: (e) => { e.preventDefault(); submit(file.files[0]); } },
        field('enroll-sequence', t('enroll.sequence'), sequence),
        field('enroll-file', t('enroll.file'), file, t('enroll.file_hint')),
        field('enroll-owner', t('enroll.owner'), owner, t('enroll.owner_hint')),
        field('enroll-start', t('enroll.start'), start, t('enroll.start_hint')),
        error,
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'primary', disabled: busy || sequences.length === 0 },
            busy ? t('enroll.uploading') : t('enroll.submit')))),
      result ? renderResult(result) : null);
  }

  function field(id, text, control, hint) {
    return h('div', { class: 'field' },
      h('label', { for: id }, text),
      hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
      control);
  }

  async function submit(file) {
    formError = '';
    if (!file) { formError = t('enroll.no_file'); render(); root.querySelector('#enroll-file').focus(); return; }
    if (file.size > MAX_BYTES) { formError = t('enroll.too_big'); render(); return; }
    busy = true;
    render();
    try {
      const csv = await file.text();
      const startDate = values.start ? new Date(values.start) : null;
      result = await api.enrollCsv({
        sequence: values.sequence,
        owner: values.owner.trim() || undefined,
        start: startDate && !Number.isNaN(startDate.getTime()) ? startDate.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined,
      }, csv);
      clearError();
      announce(t('enroll.done', { n: Number(result.enrolled ?? 0) }));
    } catch (err) {
      result = null;
      showError(err);
      // A 422 lists the problems; show them by line like a partial import.
      if (Array.isArray(err.details)) result = { errors: err.details, failed: true };
    } finally {
      busy = false;
    }
    render();
    root.querySelector('.enroll-result')?.focus();
  }

  function renderResult(r) {
    const count = (v) => (Array.isArray(v) ? v.length : Number(v ?? 0));
    const errors = Array.isArray(r.errors) ? r.errors : [];
    return h('section', { class: 'enroll-result', tabindex: '-1', 'aria-labelledby': 'enroll-result-title' },
      h('h3', { id: 'enroll-result-title' }, r.failed ? t('enroll.result_failed') : t('enroll.result')),
      r.failed ? null : h('dl', { class: 'stats' },
        stat(t('enroll.imported'), count(r.imported)),
        stat(t('enroll.updated'), count(r.updated)),
        stat(t('enroll.enrolled'), count(r.enrolled)),
        stat(t('enroll.already_active'), count(r.already_active)),
        r.excluded !== undefined ? stat(t('enroll.excluded'), count(r.excluded)) : null),
      errors.length === 0 ? h('p', {}, t('enroll.no_errors')) :
        h('div', { class: 'table-wrap' }, h('table', { class: 'data errors' },
          h('caption', {}, t('enroll.errors', { n: errors.length })),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, t('enroll.line')), h('th', { scope: 'col' }, t('enroll.problem')))),
          h('tbody', {}, errors.map((e) => h('tr', {},
            h('td', { class: 'num' }, e.line !== undefined ? formatNumber(e.line) : '–'),
            h('td', {}, typeof e === 'string' ? e : [
              e.email || e.field ? [h('code', {}, e.email || e.field), ' '] : null,
              e.message ?? JSON.stringify(e)])))))));
  }

  function stat(term, n) {
    return h('div', {}, h('dt', {}, term), h('dd', {}, formatNumber(n)));
  }

  return { show, render };
}
