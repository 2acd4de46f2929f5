// The task queue: Today / Overdue / Upcoming tabs, a type filter, the list, the selected
// task's detail, and the keyboard shortcuts that work through it.

import { api } from './api.js';
import { h, replace, announce, isTyping } from './dom.js';
import { t, label, formatDay, formatNumber } from './i18n.js';
import { askComplete, askSkip, askSnooze, showHelp, isDialogOpen } from './dialogs.js';
import { renderTaskDetail } from './task-detail.js';

const VIEWS = ['today', 'overdue', 'upcoming'];
const TYPES = ['', 'call', 'email', 'linkedin', 'task'];
const PAGE = 50;

export function createQueue({ root, showError, clearError, isActive }) {
  const state = {
    view: sessionStorage.getItem('touchpoint.view') ?? 'today',
    type: sessionStorage.getItem('touchpoint.type') ?? '',
    tasks: [], total: 0, nextOffset: null, counts: {}, selectedId: null,
    loading: false, failed: false, busy: false,
  };
  let loadGeneration = 0;

  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': '' });
  const typeSelect = h('select', { id: 'queue-type', onchange: () => { state.type = typeSelect.value; sessionStorage.setItem('touchpoint.type', state.type); load(); } });
  const typeLabel = h('label', { for: 'queue-type' });
  const listStatus = h('p', { class: 'list-status', id: 'queue-status' });
  const list = h('ol', { class: 'task-list', 'aria-describedby': 'queue-status' });
  const more = h('button', { type: 'button', class: 'secondary more', hidden: true, onclick: () => load({ append: true }) });
  const detail = h('div', { class: 'detail-pane', id: 'task-detail' });
  const heading = h('h2', { class: 'visually-hidden', id: 'queue-heading' });
  const helpButton = h('button', { type: 'button', class: 'link help-button', onclick: () => showHelp() });

  replace(root,
    h('div', { class: 'queue-layout' },
      h('section', { class: 'queue-list', 'aria-labelledby': 'queue-heading' },
        heading,
        tablist,
        h('div', { class: 'queue-tools' }, h('div', { class: 'field inline' }, typeLabel, typeSelect), helpButton),
        h('div', { id: 'queue-panel', role: 'tabpanel' }, listStatus, list, more)),
      h('section', { class: 'queue-detail', 'aria-label': '' }, detail)));

  const actions = { complete: (task) => act(task, 'complete'), skip: (task) => act(task, 'skip'), snooze: (task) => act(task, 'snooze') };

  function selected() { return state.tasks.find((task) => task.id === state.selectedId) ?? null; }

  async function load({ append = false, keepSelection = true } = {}) {
    const mine = ++loadGeneration;
    state.loading = true;
    renderStatus();
    const query = { view: state.view, type: state.type || undefined, limit: PAGE, offset: append ? state.nextOffset ?? 0 : 0 };
    try {
      const data = await api.tasks(query);
      if (mine !== loadGeneration) return;
      const tasks = data.tasks ?? [];
      state.tasks = append ? [...state.tasks, ...tasks] : tasks;
      state.total = data.total ?? state.tasks.length;
      state.nextOffset = data.next_offset ?? null;
      state.counts[state.view] = state.total;
      state.failed = false;
      if (!keepSelection || !selected()) state.selectedId = state.tasks[0]?.id ?? null;
      clearError();
    } catch (err) {
      if (mine !== loadGeneration) return;
      state.failed = true;
      showError(err);
    } finally {
      if (mine === loadGeneration) state.loading = false;
    }
    render();
    loadCounts();
  }

  // The other tabs' totals, one task each: the rep sees where work is waiting.
  async function loadCounts() {
    await Promise.all(VIEWS.filter((v) => v !== state.view).map(async (view) => {
      try {
        const data = await api.tasks({ view, type: state.type || undefined, limit: 1, offset: 0 });
        state.counts[view] = data.total ?? (data.tasks ?? []).length;
      } catch {
        delete state.counts[view];
      }
    }));
    renderTabs();
  }

  function renderTabs() {
    tablist.setAttribute('aria-label', t('queue.views'));
    replace(tablist, VIEWS.map((view) => {
      const count = state.counts[view];
      return h('button', {
        type: 'button', role: 'tab', id: `tab-${view}`, 'aria-controls': 'queue-panel',
        'aria-selected': String(view === state.view), tabindex: view === state.view ? '0' : '-1',
        class: `tab tab-${view}`, dataset: { view },
        onclick: () => switchView(view),
        onkeydown: (e) => tabKeys(e, view),
      }, t(`view.${view}`), count !== undefined ? h('span', { class: 'count' }, formatNumber(count)) : null);
    }));
    root.querySelector('#queue-panel').setAttribute('aria-labelledby', `tab-${state.view}`);
    list.setAttribute('aria-label', t(`view.${state.view}`));
  }

  function tabKeys(e, view) {
    const i = VIEWS.indexOf(view);
    let next = null;
    if (e.key === 'ArrowRight') next = VIEWS[(i + 1) % VIEWS.length];
    if (e.key === 'ArrowLeft') next = VIEWS[(i + VIEWS.length - 1) % VIEWS.length];
    if (e.key === 'Home') next = VIEWS[0];
    if (e.key === 'End') next = VIEWS[VIEWS.length - 1];
    if (next) {
      e.preventDefault();
      switchView(next);
      document.getElementById(`tab-${next}`)?.focus();
    }
  }

  function switchView(view) {
    if (view === state.view) return;
    state.view = view;
    sessionStorage.setItem('touchpoint.view', view);
    state.selectedId = null;
    renderTabs();
    load({ keepSelection: false });
  }

  function renderStatus() {
    if (state.loading && state.tasks.length === 0) listStatus.textContent = t('common.loading');
    else if (state.failed) listStatus.textContent = t('queue.failed');
    else if (state.tasks.length === 0) listStatus.textContent = t(`queue.empty.${state.view}`);
    else listStatus.textContent = t('queue.count', { n: state.total });
    list.setAttribute('aria-busy', String(state.loading));
  }

  function renderList() {
    replace(list, state.tasks.map((task) => {
      const prospect = task.prospect ?? {};
      const current = task.id === state.selectedId;
      return h('li', { class: `task-item${current ? ' selected' : ''}`, dataset: { taskId: String(task.id) } },
        h('button', {
          type: 'button', class: 'task-row', 'aria-current': current ? 'true' : null,
          onclick: () => select(task.id, { focusDetail: false }),
        },
        h('span', { class: `type-badge type-${task.type}` }, label('type', task.type)),
        h('span', { class: 'task-main' },
          h('span', { class: 'task-title' }, task.title || prospect.name || prospect.email || `#${task.id}`),
          h('span', { class: 'task-sub' }, [prospect.company, task.sequence?.name].filter(Boolean).join(' · '))),
        h('span', { class: `task-due due-${state.view}` }, formatDay(task.due_date))));
    }));
    more.hidden = state.nextOffset === null || state.nextOffset === undefined;
    more.textContent = t('queue.more');
  }

  function renderDetail() {
    renderTaskDetail(detail, selected(), actions, showError);
  }

  function render() {
    heading.textContent = t('queue.title');
    typeLabel.textContent = t('queue.type');
    helpButton.textContent = t('help.open');
    helpButton.setAttribute('aria-keyshortcuts', '?');
    const chosen = state.type;
    replace(typeSelect, TYPES.map((type) => h('option', { value: type }, type ? label('type_filter', type) : t('queue.all_types'))));
    typeSelect.value = chosen;
    root.querySelector('.queue-detail').setAttribute('aria-label', t('detail.label'));
    renderTabs();
    renderStatus();
    renderList();
    renderDetail();
  }

  function select(id, { focusRow = false, focusDetail = false } = {}) {
    state.selectedId = id;
    for (const item of list.children) {
      const on = item.dataset.taskId === String(id);
      item.classList.toggle('selected', on);
      const button = item.querySelector('button');
      if (on) button.setAttribute('aria-current', 'true'); else button.removeAttribute('aria-current');
      if (on && focusRow) { button.focus(); item.scrollIntoView({ block: 'nearest' }); }
    }
    renderDetail();
    if (focusDetail) document.getElementById('detail-title')?.focus();
  }

  function move(step) {
    if (state.tasks.length === 0) return;
    const i = state.tasks.findIndex((task) => task.id === state.selectedId);
    const next = Math.min(state.tasks.length - 1, Math.max(0, (i < 0 ? 0 : i + step)));
    select(state.tasks[next].id, { focusRow: true });
  }

  async function act(task, action) {
    if (!task || state.busy) return;
    const ask = { complete: askComplete, skip: askSkip, snooze: askSnooze }[action];
    const body = await ask(task);
    if (!body) return;
    state.busy = true;
    try {
      await api.taskAction(task.id, action, body);
      clearError();
      removeTask(task.id);
      announce(t(`queue.done.${action}`, { title: task.title || label('type', task.type) }));
    } catch (err) {
      showError(err);
      // Someone else closed it first: the fresh queue shows the truth.
      if (err.status === 409 || err.status === 404) load();
    } finally {
      state.busy = false;
    }
  }

  // A closed or snoozed task leaves the queue; the next one is selected, focus follows.
  function removeTask(id) {
    const i = state.tasks.findIndex((task) => task.id === id);
    if (i < 0) return;
    state.tasks.splice(i, 1);
    state.total = Math.max(0, state.total - 1);
    state.counts[state.view] = state.total;
    const next = state.tasks[Math.min(i, state.tasks.length - 1)];
    state.selectedId = next?.id ?? null;
    renderTabs();
    renderStatus();
    renderList();
    renderDetail();
    const row = list.querySelector('.task-item.selected button');
    if (row) row.focus(); else list.closest('section').querySelector('[role=tab][aria-selected=true]')?.focus();
  }

  // Another rep or the server closed a task: drop it if it is here.
  function taskClosedElsewhere(id) {
    if (state.busy) return;
    if (state.tasks.some((task) => String(task.id) === String(id))) removeTask(state.tasks.find((task) => String(task.id) === String(id)).id);
  }

  function onKey(e) {
    if (!isActive() || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isDialogOpen() || isTyping(e.target)) return;
    const handlers = {
      j: () => move(1), k: () => move(-1),
      c: () => act(selected(), 'complete'), s: () => act(selected(), 'skip'), z: () => act(selected(), 'snooze'),
      '?': () => showHelp(), r: () => load(),
      1: () => switchView('today'), 2: () => switchView('overdue'), 3: () => switchView('upcoming'),
    };
    const fn = handlers[e.key];
    if (!fn) return;
    e.preventDefault();
    fn();
  }
  document.addEventListener('keydown', onKey);

  return {
    load, render,
    onFeedEvent(type, data) {
      if (/^task_(completed|skipped|snoozed|reassigned)$/.test(type)) {
        // A task event carries the task's id as its step_run.
        const id = data?.step_run ?? data?.task_id ?? data?.task?.id;
        if (id !== undefined) taskClosedElsewhere(id);
      }
      if (type === 'task_created') loadCounts();
      const prospectId = data?.prospect?.id ?? data?.prospect_id;
      const current = selected();
      if (current && prospectId !== undefined && String(current.prospect?.id) === String(prospectId)) renderDetail();
    },
  };
}
