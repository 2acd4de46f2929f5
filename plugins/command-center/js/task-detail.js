// The selected task: what it is, who it is for, the actions, the compose buttons for a manual
// email, and the prospect's timeline.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { t, label, formatDay, formatInstant } from './i18n.js';

const CLIENTS = ['gmail', 'outlook', 'mailto'];
let generation = 0;  // answers for an earlier selection are dropped

// `actions` = {complete, skip, snooze}: what the buttons call.
export function renderTaskDetail(container, task, actions, showError) {
  const mine = ++generation;
  if (!task) {
    replace(container, h('p', { class: 'empty' }, t('detail.none')));
    return;
  }
  const prospect = task.prospect ?? {};
  const timeline = h('div', { class: 'timeline', 'aria-busy': 'true' }, h('p', { class: 'muted' }, t('common.loading')));
  const compose = h('div', { class: 'compose-slot', hidden: true });

  replace(container,
    h('article', { class: 'task-detail', 'aria-labelledby': 'detail-title' },
      h('header', {},
        h('p', { class: 'eyebrow' }, h('span', { class: `type-badge type-${task.type}` }, label('type', task.type)),
          ' ', h('span', {}, t('detail.due', { date: formatDay(task.due_date) }))),
        h('h2', { id: 'detail-title', tabindex: '-1' }, task.title || label('type', task.type))),
      h('dl', { class: 'facts' },
        fact(t('detail.prospect'), [prospect.name || prospect.email,
          prospect.email && prospect.name ? h('span', { class: 'muted' }, ` <${prospect.email}>`) : null]),
        fact(t('detail.company'), prospect.company),
        fact(t('detail.sequence'), task.sequence?.name ? `${task.sequence.name}${task.step ? ` · ${t('detail.step', { n: task.step })}` : ''}` : ''),
        fact(t('detail.subject'), task.subject),
        fact(t('detail.note'), task.note),
        fact(t('detail.snoozed_until'), task.snoozed_until ? formatInstant(task.snoozed_until) : ''),
        fact(t('detail.prospect_time'), prospect.timezone ? localTimeIn(prospect.timezone) : '')),
      task.state === 'open' ? h('div', { class: 'actions', role: 'group', 'aria-label': t('detail.actions') },
        h('button', { type: 'button', class: 'primary', onclick: () => actions.complete(task) },
          t('action.complete'), h('kbd', { 'aria-hidden': 'true' }, 'c')),
        h('button', { type: 'button', class: 'secondary', onclick: () => actions.skip(task) },
          t('action.skip'), h('kbd', { 'aria-hidden': 'true' }, 's')),
        h('button', { type: 'button', class: 'secondary', onclick: () => actions.snooze(task) },
          t('action.snooze'), h('kbd', { 'aria-hidden': 'true' }, 'z'))) : null,
      compose,
      h('section', { class: 'timeline-section', 'aria-labelledby': 'timeline-title' },
        h('h3', { id: 'timeline-title' }, t('timeline.title')),
        timeline)));

  if (task.type === 'email' && task.state === 'open') loadCompose(task, compose, mine);
  if (prospect.id !== undefined) loadTimeline(prospect.id, timeline, mine, showError);
  else replace(timeline, h('p', { class: 'muted' }, t('timeline.empty')));
}

function fact(term, value) {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && !value[0])) return null;
  return [h('dt', {}, term), h('dd', {}, value)];
}

// "14:05 (Europe/Stockholm)": when the rep should call, the prospect's wall clock matters.
function localTimeIn(zone) {
  try {
    const time = formatInstant(new Date().toISOString(), { timeStyle: 'short', timeZone: zone });
    return `${time} (${zone})`;
  } catch {
    return zone;
  }
}

// Compose buttons appear only for the clients whose compose call succeeds.
async function loadCompose(task, slot, mine) {
  const results = await Promise.allSettled(CLIENTS.map((client) => api.compose(task.id, client)));
  if (mine !== generation) return;
  const links = [];
  const notes = [];
  results.forEach((result, i) => {
    if (result.status !== 'fulfilled') return;
    // {"client","url","too_long","note",...}: a link past the length limit would be cut off
    // by the mail client, so only its note (what to use instead) is shown.
    const payload = result.value?.compose ?? result.value ?? {};
    const href = payload.url;
    if (typeof href === 'string' && /^(https:|mailto:)/i.test(href) && !payload.too_long) {
      links.push(h('a', { class: 'button secondary', href, target: CLIENTS[i] === 'mailto' ? null : '_blank', rel: 'noopener' },
        t(`compose.${CLIENTS[i]}`)));
    }
    if (typeof payload.note === 'string' && payload.note) notes.push(payload.note);
  });
  if (links.length === 0 && notes.length === 0) return;
  replace(slot,
    h('h3', {}, t('compose.title')),
    h('div', { class: 'actions' }, links),
    [...new Set(notes)].map((n) => h('p', { class: 'hint' }, n)));
  slot.hidden = false;
}

async function loadTimeline(prospectId, container, mine, showError) {
  let data;
  try {
    data = await api.timeline(prospectId);
  } catch (err) {
    if (mine !== generation) return;
    container.removeAttribute('aria-busy');
    replace(container, h('p', { class: 'field-error' }, t('timeline.failed')));
    showError(err);
    return;
  }
  if (mine !== generation) return;
  container.removeAttribute('aria-busy');
  const entries = [
    ...(data.events ?? []).map((e) => ({
      at: e.at, kind: 'event', type: e.type, machine: e.machine,
      // An email's subject says more to a rep than the transport's detail line.
      detail: e.subject || (/^task_(completed|skipped)$/.test(e.type) && e.detail ? label('outcome', e.detail) : e.detail),
    })),
    ...(data.tasks ?? []).filter((task) => task.state && task.state !== 'open').map((task) => ({
      at: task.closed_at ?? task.due_at ?? task.due_date, kind: 'task', type: `task_${task.state}`,
      detail: [task.title, task.outcome ? label('outcome', task.outcome) : '', task.notes].filter(Boolean).join(' · '),
    })),
  ].filter((e) => e.at !== undefined && e.at !== null);
  // Events already record closed tasks; keep a task row only when no event says the same.
  const seen = new Set(entries.filter((e) => e.kind === 'event').map((e) => e.type));
  const rows = entries.filter((e) => e.kind === 'event' || !seen.has(e.type));
  rows.sort((a, b) => sortKey(b.at) - sortKey(a.at));

  const enrollments = (data.enrollments ?? []).map((en) => h('li', {},
    h('strong', {}, en.sequence?.name ?? en.sequence_name ?? en.sequence ?? ''),
    ' ', h('span', { class: `state state-${en.state}` }, label('enrollment', en.state)),
    en.exit_cause || en.cause ? h('span', { class: 'muted' }, ` · ${label('cause', en.exit_cause ?? en.cause)}`) : null));

  replace(container,
    enrollments.length ? h('ul', { class: 'enrollments', 'aria-label': t('timeline.enrollments') }, enrollments) : null,
    rows.length === 0
      ? h('p', { class: 'muted' }, t('timeline.empty'))
      : h('ol', { class: 'events' }, rows.map((e) => h('li', { class: `event event-${e.type}` },
        h('time', { datetime: isoOf(e.at) }, formatInstant(e.at)),
        h('span', { class: 'event-type' }, label('event', e.type),
          e.machine ? h('span', { class: 'machine' }, ` · ${t('event.machine')}`) : null),
        e.detail ? h('span', { class: 'event-detail' }, e.detail) : null))));
}

function sortKey(at) {
  if (typeof at === 'number') return at * 1000;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? 0 : ms;
}

function isoOf(at) {
  const ms = sortKey(at);
  return ms ? new Date(ms).toISOString() : '';
}
