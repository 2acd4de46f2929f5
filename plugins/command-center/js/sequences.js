// Sequences: the list with a summary of each one's steps and send options, and one
// sequence's steps with their KPIs.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { t, label, formatNumber, formatPercent, formatInstant } from './i18n.js';

// The KPIs of a step that sends email, and of one that creates a task, in the order shown;
// other numbers the server adds follow.
const EMAIL_KPIS = ['sent', 'opened', 'clicked', 'replied', 'unsubscribed', 'machine_opened'];
const TASK_KPIS = ['tasks_open', 'tasks_completed', 'tasks_skipped'];
const KPI_ORDER = [...EMAIL_KPIS, ...TASK_KPIS];
const RATED = ['opened', 'clicked', 'replied', 'unsubscribed', 'bounced'];  // shown as a share of sent

export function createSequences({ root, showError, clearError }) {
  let list = null;
  let detail = null;
  let shownId = null;
  const details = new Map();  // id -> sequence with steps, for the list's summaries

  async function show(id) {
    shownId = id ?? null;
    replace(root, h('p', { class: 'muted', 'aria-busy': 'true' }, t('common.loading')));
    try {
      if (shownId === null) {
        list = (await api.sequences()).sequences ?? [];
        loadSummaries(list);
      } else {
        detail = (await api.sequence(shownId)).sequence ?? null;
      }
      clearError();
    } catch (err) {
      showError(err);
      replace(root, h('p', { class: 'field-error' }, t('sequences.failed')));
      return;
    }
    render();
    root.querySelector('h2')?.focus();
  }

  // The list answers with step counts; each sequence's steps give the summary and send options.
  async function loadSummaries(sequences) {
    await Promise.all(sequences.slice(0, 50).filter((s) => !Array.isArray(s.steps)).map(async (s) => {
      try {
        const full = (await api.sequence(s.id)).sequence;
        if (full) details.set(String(s.id), full);
      } catch {
        // The list still shows the step count.
      }
    }));
    if (shownId === null) renderList();
  }

  function render() {
    if (shownId === null) renderList(); else renderDetail();
  }

  function renderList() {
    replace(root,
      h('h2', { tabindex: '-1' }, t('sequences.title')),
      !list || list.length === 0 ? h('p', { class: 'muted' }, t('sequences.empty')) :
        h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
          h('caption', { class: 'visually-hidden' }, t('sequences.title')),
          h('thead', {}, h('tr', {},
            ['sequences.name', 'sequences.version', 'sequences.steps', 'sequences.send_options', 'sequences.active']
              .map((key) => h('th', { scope: 'col' }, t(key))))),
          h('tbody', {}, list.map((s) => {
            const steps = Array.isArray(s.steps) ? s.steps : details.get(String(s.id))?.steps ?? null;
            return h('tr', {},
              h('th', { scope: 'row' }, h('a', { href: `#/sequences/${encodeURIComponent(s.id)}` }, s.name)),
              h('td', { class: 'num' }, formatNumber(s.version ?? 1)),
              h('td', {}, steps ? stepSummary(steps) : t('sequences.step_count', { n: Number(s.steps ?? s.step_count ?? 0) })),
              h('td', {}, steps ? sendSummary(steps) : ''),
              h('td', { class: 'num' }, formatNumber(s.active_enrollments ?? 0)));
          })))));
  }

  // "4 emails, 1 call, 1 LinkedIn over 12 days"
  function stepSummary(steps) {
    const counts = {};
    for (const step of steps) counts[step.type] = (counts[step.type] ?? 0) + 1;
    const parts = Object.entries(counts).map(([type, n]) => t(`count.${type}`, { n }) === `count.${type}` ? `${n} ${label('type', type)}` : t(`count.${type}`, { n }));
    const days = Math.max(0, ...steps.map((s) => Number(s.day ?? 0)));
    return `${new Intl.ListFormat(document.documentElement.lang, { style: 'short', type: 'unit' }).format(parts)} · ${t('sequences.over_days', { n: days })}`;
  }

  function sendSummary(steps) {
    const modes = [...new Set(steps.map(sendMode).filter(Boolean))];
    return modes.map((m) => label('send_mode', m)).join(', ');
  }

  // "Prospect's time zone · 08:00–18:00 · skips weekends · stops on reply, bounce"
  function settingsSummary(settings) {
    if (!settings) return null;
    const parts = [];
    if (settings.timezone === 'fixed' && settings.fixed_timezone) parts.push(t('sequences.zone_fixed', { zone: settings.fixed_timezone }));
    else if (settings.timezone) parts.push(t(`sequences.zone_${settings.timezone}`));
    if (settings.send_window) parts.push(t('sequences.window', { from: settings.send_window.from, to: settings.send_window.to }));
    if (settings.skip_weekends) parts.push(t('sequences.skip_weekends'));
    if (Array.isArray(settings.exit_on) && settings.exit_on.length) {
      parts.push(t('sequences.exit_on', { causes: settings.exit_on.map((c) => label('exit_on', c)).join(', ') }));
    }
    if (settings.stop_company_on_reply) parts.push(t('sequences.stop_company'));
    return parts.length ? h('p', { class: 'settings' }, parts.join(' · ')) : null;
  }

  function sendMode(step) {
    return step.send_mode ?? step.send?.mode ?? null;
  }

  function renderDetail() {
    if (!detail) {
      replace(root, backLink(), h('p', { class: 'muted' }, t('sequences.not_found')));
      return;
    }
    const steps = detail.steps ?? [];
    const kpiKeys = orderedKpis(steps);
    replace(root,
      backLink(),
      h('h2', { tabindex: '-1' }, detail.name),
      h('p', { class: 'muted' }, [
        t('sequences.version_n', { n: detail.version ?? 1 }),
        detail.active_enrollments !== undefined ? t('sequences.active_n', { n: detail.active_enrollments }) : null,
        detail.created_at ? formatInstant(detail.created_at) : null,
      ].filter(Boolean).join(' · ')),
      steps.length ? h('p', {}, stepSummary(steps)) : null,
      settingsSummary(detail.settings),
      h('div', { class: 'table-wrap' }, h('table', { class: 'data steps' },
        h('caption', {}, t('sequences.steps_caption')),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('sequences.position')),
          h('th', { scope: 'col' }, t('sequences.day')),
          h('th', { scope: 'col' }, t('sequences.type')),
          h('th', { scope: 'col' }, t('sequences.send')),
          h('th', { scope: 'col' }, t('sequences.subject')),
          kpiKeys.map((key) => h('th', { scope: 'col', class: 'num' }, label('kpi', key))))),
        h('tbody', {}, steps.map((step, i) => h('tr', {},
          h('th', { scope: 'row', class: 'num' }, formatNumber(step.position ?? i + 1)),
          h('td', { class: 'num' }, formatNumber(step.day ?? 0)),
          h('td', {}, h('span', { class: `type-badge type-${step.type}` }, label('type', step.type))),
          h('td', {}, sendCell(step)),
          h('td', {}, step.subject || step.note || ''),
          kpiKeys.map((key) => h('td', { class: 'num' }, applies(step, key) ? kpiCell(step.kpis ?? {}, key) : '–'))))))));
  }

  function sendCell(step) {
    const mode = sendMode(step);
    if (!mode) return '';
    const at = step.at ?? step.send?.at ?? step.send_at;
    return at ? `${label('send_mode', mode)} (${at})` : label('send_mode', mode);
  }

  // Email numbers for steps that send (a manual email too, once the rep sends it); task
  // numbers for steps that create a task.
  function applies(step, key) {
    const createsTask = step.creates_task ?? (step.type !== 'email' || sendMode(step) === 'manual');
    if (EMAIL_KPIS.includes(key)) return step.type === 'email';
    if (TASK_KPIS.includes(key) || key === 'tasks') return createsTask;
    return true;
  }

  function orderedKpis(steps) {
    const keys = new Set();
    for (const step of steps) for (const [key, value] of Object.entries(step.kpis ?? {})) {
      if (typeof value === 'number' && !key.endsWith('_rate')) keys.add(key);
    }
    // Proxy opens sit in the Opened cell and the three task counts share one Tasks column,
    // so the table stays readable on a laptop.
    const shown = [...KPI_ORDER.filter((k) => keys.has(k)), ...[...keys].filter((k) => !KPI_ORDER.includes(k))]
      .filter((k) => k !== 'machine_opened' && !TASK_KPIS.includes(k));
    if (TASK_KPIS.some((k) => keys.has(k))) shown.push('tasks');
    return shown;
  }

  // "12 (34 %)" for opens, clicks and replies: the share of sent.
  function kpiCell(kpis, key) {
    if (key === 'tasks') {
      const parts = TASK_KPIS.filter((k) => typeof kpis[k] === 'number')
        .map((k) => h('span', { class: 'task-count' }, t(`sequences.${k}`, { n: kpis[k] })));
      return parts.length ? parts : '–';
    }
    const value = kpis[key];
    if (typeof value !== 'number') return '–';
    const sent = kpis.sent;
    const rate = kpis[`${key}_rate`] ?? (RATED.includes(key) && sent ? value / sent : null);
    const proxies = key === 'opened' && kpis.machine_opened
      ? h('span', { class: 'muted machine-count' }, t('sequences.proxy_opens', { n: kpis.machine_opened })) : null;
    return rate === null || rate === undefined ? [formatNumber(value), proxies]
      : [formatNumber(value), h('span', { class: 'muted' }, ` (${formatPercent(rate)})`), proxies];
  }

  function backLink() {
    return h('p', {}, h('a', { href: '#/sequences', class: 'back' }, `← ${t('sequences.back')}`));
  }

  return { show, render, list: () => list };
}
