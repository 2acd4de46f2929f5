// The live feed: server-sent events from /api/v1/feed. EventSource reconnects by itself and
// sends Last-Event-ID, so nothing is missed across a dropped connection.

import { feedUrl } from './api.js';
import { h, replace } from './dom.js';
import { t, label, formatTime } from './i18n.js';

// EventSource only delivers named events to listeners registered by name; these are the types
// the store records (an unnamed event still arrives through onmessage).
const TYPES = [
  'open', 'click', 'reply', 'auto_reply', 'out_of_office', 'bounce', 'hard_bounce', 'soft_bounce',
  'unsubscribe', 'sent', 'delivered', 'deferred', 'failed', 'throttled', 'unknown', 'excluded', 'enrolled',
  'paused', 'resumed', 'exited', 'finished', 'moved', 'task_created', 'task_completed',
  'task_skipped', 'task_snoozed', 'task_reassigned', 'machine_open', 'machine_click',
];
const KEEP = 50;

export function createFeed({ root, onEvent }) {
  const events = [];
  let source = null;
  let status = 'off';

  const heading = h('h2', { id: 'feed-title' });
  const statusLine = h('p', { class: 'feed-status', role: 'status' });
  const list = h('ol', { class: 'feed-list', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  replace(root, h('div', { class: 'feed' }, h('div', { class: 'feed-head' }, heading, statusLine), list));

  function setStatus(next) {
    status = next;
    statusLine.dataset.status = next;
    statusLine.textContent = t(`feed.status.${next}`);
  }

  function receive(type, message) {
    // EventSource fires its own `open` (connected) and `error` events on the same names as
    // ours; only a MessageEvent carries a feed event.
    if (!(message instanceof MessageEvent)) return;
    let data = null;
    try { data = JSON.parse(message.data); } catch { data = { detail: message.data }; }
    const eventType = type === 'message' ? data?.type ?? 'message' : type;
    const entry = { id: message.lastEventId, type: eventType, data, received: new Date() };
    events.unshift(entry);
    events.length = Math.min(events.length, KEEP);
    list.querySelector('.feed-empty')?.remove();
    list.prepend(item(entry));
    while (list.children.length > KEEP) list.lastElementChild.remove();
    onEvent?.(eventType, data);
  }

  function item({ id, type, data, received }) {
    const prospect = data?.prospect ?? {};
    const who = prospect.name || prospect.email || data?.prospect_name || data?.prospect_email || data?.to_email || '';
    const at = data?.at ?? received.toISOString();
    let detail = data?.subject || (typeof data?.detail === 'string' ? data.detail : '');
    // A closed task's detail is its outcome code: show it in words.
    if (/^task_(completed|skipped)$/.test(type) && detail) detail = label('outcome', detail);
    return h('li', { class: `feed-item feed-${type}`, dataset: { eventId: id, type } },
      h('span', { class: 'feed-type' }, label('event', type),
        data?.machine ? h('span', { class: 'machine' }, ` · ${t('event.machine')}`) : null),
      who ? h('span', { class: 'feed-who' }, who) : null,
      detail ? h('span', { class: 'feed-detail' }, detail) : null,
      h('time', { class: 'feed-time', datetime: new Date(received).toISOString() }, formatTime(at)));
  }

  function start() {
    stop();
    setStatus('connecting');
    source = new EventSource(feedUrl());
    source.onopen = () => setStatus('live');
    source.onerror = () => {
      // CLOSED means the server refused us (bad token, gone); otherwise it is retrying.
      setStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    };
    source.onmessage = (m) => receive('message', m);
    for (const type of TYPES) source.addEventListener(type, (m) => receive(type, m));
  }

  function stop() {
    source?.close();
    source = null;
    setStatus('off');
  }

  function render() {
    heading.textContent = t('feed.title');
    setStatus(status);
    replace(list, events.length ? events.map(item) : h('li', { class: 'muted feed-empty' }, t('feed.empty')));
  }

  render();
  return {
    start, stop, render,
    clear() { events.length = 0; render(); },
  };
}
