// The task action dialogs (complete, skip, snooze) and the keyboard help, on native <dialog>:
// showModal() keeps focus inside, Escape closes, and focus returns to where it was.

import { h, replace } from './dom.js';
import { t, label } from './i18n.js';

const OUTCOMES = {
  call: ['connected', 'left_voicemail', 'no_answer', 'wrong_number', 'meeting_booked', 'not_interested'],
  email: ['sent', 'not_sent'],
  linkedin: ['connected', 'messaged', 'no_profile'],
  task: ['done'],
};

// Shows `dialog` built by `build(close)`; resolves with what close() was given, or null.
function run(build, { className = '' } = {}) {
  return new Promise((resolve) => {
    const returnFocus = document.activeElement;
    const dialog = h('dialog', { class: `dialog ${className}` });
    let result = null;
    const close = (value) => { result = value; dialog.close(); };
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
      resolve(result);
    });
    replace(dialog, build(close));
    document.body.append(dialog);
    dialog.showModal();
    const first = dialog.querySelector('[autofocus]') ?? dialog.querySelector('input, select, textarea, button');
    first?.focus();
  });
}

function field(id, text, control, hint) {
  return h('div', { class: 'field' },
    h('label', { for: id }, text),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control);
}

function buttons(close, submitText) {
  return h('div', { class: 'dialog-buttons' },
    h('button', { type: 'button', class: 'secondary', onclick: () => close(null) }, t('action.cancel')),
    h('button', { type: 'submit', class: 'primary' }, submitText));
}

function taskLine(task) {
  return h('p', { class: 'dialog-task' }, task.title || label('type', task.type));
}

// {outcome, notes} or null.
export function askComplete(task) {
  return run((close) => {
    const outcome = h('select', { id: 'complete-outcome', name: 'outcome', autofocus: true },
      (OUTCOMES[task.type] ?? OUTCOMES.task).map((code) => h('option', { value: code }, label('outcome', code))));
    const notes = h('textarea', { id: 'complete-notes', name: 'notes', rows: 4 });
    // A manual email sent from the rep's own client: its Message-ID threads the next step.
    const messageId = task.type === 'email'
      ? h('input', { id: 'complete-message-id', name: 'sent_message_id', type: 'text', autocomplete: 'off',
        spellcheck: 'false', 'aria-describedby': 'complete-message-id-hint' })
      : null;
    return h('form', {
      method: 'dialog',
      onsubmit: (e) => {
        e.preventDefault();
        const body = { outcome: outcome.value, notes: notes.value.trim() };
        if (messageId?.value.trim()) body.sent_message_id = messageId.value.trim();
        close(body);
      },
    },
    h('h2', {}, t('complete.title')),
    taskLine(task),
    field('complete-outcome', t('complete.outcome'), outcome),
    field('complete-notes', t('complete.notes'), notes),
    messageId ? field('complete-message-id', t('complete.message_id'), messageId, t('complete.message_id_hint')) : null,
    buttons(close, t('action.complete')));
  });
}

// {notes} or null.
export function askSkip(task) {
  return run((close) => {
    const notes = h('textarea', { id: 'skip-notes', name: 'notes', rows: 3 });
    const submit = h('button', { type: 'submit', class: 'primary', autofocus: true }, t('action.skip'));
    return h('form', {
      method: 'dialog',
      onsubmit: (e) => { e.preventDefault(); close({ notes: notes.value.trim() }); },
    },
    h('h2', {}, t('skip.title')),
    taskLine(task),
    field('skip-notes', t('skip.notes'), notes),
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: () => close(null) }, t('action.cancel')),
      submit));
  });
}

// A <input type=datetime-local> value for a Date, in the browser's zone.
function localValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function presets() {
  const now = new Date();
  const inHour = new Date(now.getTime() + 3600e3);
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  tomorrow.setHours(9, 0, 0, 0);
  const monday = new Date(now);
  monday.setDate(now.getDate() + (((8 - now.getDay()) % 7) || 7));
  monday.setHours(9, 0, 0, 0);
  return [['snooze.in_hour', inHour], ['snooze.tomorrow', tomorrow], ['snooze.next_week', monday]];
}

// {until: ISO 8601 UTC} or null.
export function askSnooze(task) {
  return run((close) => {
    const [, tomorrow] = presets()[1];
    const until = h('input', {
      id: 'snooze-until', name: 'until', type: 'datetime-local', required: true,
      value: localValue(tomorrow), min: localValue(new Date()), 'aria-describedby': 'snooze-until-hint',
    });
    const error = h('p', { class: 'field-error', role: 'alert' });
    return h('form', {
      method: 'dialog',
      onsubmit: (e) => {
        e.preventDefault();
        const date = new Date(until.value);
        if (!until.value || Number.isNaN(date.getTime()) || date <= new Date()) {
          error.textContent = t('snooze.future');
          until.setAttribute('aria-invalid', 'true');
          until.focus();
          return;
        }
        close({ until: date.toISOString().replace(/\.\d{3}Z$/, 'Z') });
      },
    },
    h('h2', {}, t('snooze.title')),
    taskLine(task),
    h('div', { class: 'presets', role: 'group', 'aria-label': t('snooze.presets') },
      presets().map(([key, date]) => h('button', {
        type: 'button', class: 'chip',
        onclick: () => { until.value = localValue(date); until.focus(); },
      }, t(key)))),
    field('snooze-until', t('snooze.until'), until, t('snooze.hint')),
    error,
    buttons(close, t('action.snooze')));
  });
}

export const SHORTCUTS = [
  ['j', 'help.next'], ['k', 'help.previous'], ['c', 'help.complete'], ['s', 'help.skip'],
  ['z', 'help.snooze'], ['1 2 3', 'help.tabs'], ['r', 'help.refresh'], ['?', 'help.help'],
  ['Esc', 'help.close'],
];

export function showHelp() {
  return run((close) => h('div', { class: 'help' },
    h('h2', { id: 'help-title' }, t('help.title')),
    h('table', { class: 'shortcuts', 'aria-labelledby': 'help-title' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('help.key')), h('th', { scope: 'col' }, t('help.does')))),
      h('tbody', {}, SHORTCUTS.map(([keys, key]) => h('tr', {},
        h('td', {}, keys.split(' ').map((k) => h('kbd', {}, k))),
        h('td', {}, t(key)))))),
    h('div', { class: 'dialog-buttons' },
      h('button', { type: 'button', class: 'primary', autofocus: true, onclick: () => close(null) }, t('action.close')))),
  { className: 'dialog-help' });
}

export function isDialogOpen() { return document.querySelector('dialog[open]') !== null; }
