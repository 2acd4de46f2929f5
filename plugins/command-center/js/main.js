// The command center: sign-in, the header (navigation, language, user), the error banner, a
// hash router over the queue, sequences and enrollment views, and the live feed.

import { api, ApiError, token, setToken, clearToken, handleUnauthorized } from './api.js';
import { h, replace, announce } from './dom.js';
import { LANGUAGES, language, setLanguage, onLanguageChange, t, translateStatic } from './i18n.js';
import { createQueue } from './queue.js';
import { createFeed } from './feed.js';
import { createSequences } from './sequences.js';
import { createEnroll } from './enroll.js';

const $ = (id) => document.getElementById(id);
const views = { signin: $('view-signin'), queue: $('view-queue'), sequences: $('view-sequences'), enroll: $('view-enroll') };
let user = null;
let route = { name: 'signin' };
let signInNotice = '';
let lastError = null;

// --- errors ---------------------------------------------------------------------------------
function showError(err) {
  // A 401 has already sent the page back to sign-in, which says why.
  if (err instanceof ApiError && err.status === 401) return;
  lastError = err;
  const banner = $('error-banner');
  const code = err instanceof ApiError ? err.code : 'error';
  const message = err instanceof ApiError && err.status === 0 ? t('error.network') : err.message || t('error.unknown');
  const details = Array.isArray(err?.details) ? err.details : [];
  replace(banner,
    h('div', { class: 'banner-text' },
      h('strong', {}, t('error.title')), ' ', message,
      h('span', { class: 'error-code' }, ` (${code}${err.status ? ` · HTTP ${err.status}` : ''})`),
      details.length ? h('ul', {}, details.slice(0, 20).map((d) =>
        h('li', {}, typeof d === 'string' ? d : [d.line !== undefined ? `${t('enroll.line')} ${d.line}: ` : '', d.field ? `${d.field}: ` : '', d.message ?? JSON.stringify(d)]))) : null),
    h('button', { type: 'button', class: 'link', onclick: clearError }, t('action.dismiss')));
  banner.hidden = false;
}

function clearError() {
  lastError = null;
  $('error-banner').hidden = true;
}

// --- sign-in --------------------------------------------------------------------------------
function renderSignIn() {
  const input = h('input', { id: 'signin-token', name: 'token', type: 'password', required: true,
    autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'signin-hint' });
  const error = h('p', { class: 'field-error', role: 'alert', id: 'signin-error' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('signin.submit'));
  replace(views.signin,
    h('div', { class: 'signin-card' },
      h('h2', { id: 'signin-heading', tabindex: '-1' }, t('signin.title')),
      signInNotice ? h('p', { class: 'notice', role: 'status' }, signInNotice) : null,
      h('form', {
        onsubmit: async (e) => {
          e.preventDefault();
          const value = input.value.trim();
          if (!value) { error.textContent = t('signin.required'); input.focus(); return; }
          submit.disabled = true;
          error.textContent = '';
          try {
            const me = await api.me(value);
            setToken(value);
            signInNotice = '';
            signedIn(me.user ?? me);
            $('main').focus();
          } catch (err) {
            error.textContent = err.status === 401 ? t('signin.rejected') : `${err.message} (${err.code})`;
            input.setAttribute('aria-invalid', 'true');
            input.focus();
          } finally {
            submit.disabled = false;
          }
        },
      },
      h('div', { class: 'field' },
        h('label', { for: 'signin-token' }, t('signin.token')),
        h('p', { class: 'hint', id: 'signin-hint' }, t('signin.hint'), ' ', h('code', {}, 'touchpoint token create --user EMAIL')),
        input),
      error,
      submit)));
}

function signedIn(me) {
  user = me;
  document.body.classList.add('signed-in');
  renderHeader();
  feed.start();
  navigate();
}

function signOut(notice = '') {
  clearToken();
  user = null;
  signInNotice = notice;
  feed.stop();
  feed.clear();
  $('feed').hidden = true;
  document.body.classList.remove('signed-in');
  clearError();
  renderHeader();
  renderSignIn();
  if (location.hash && location.hash !== '#/') history.replaceState(null, '', '#/');
  show('signin');
  $('signin-token')?.focus();
}

handleUnauthorized(() => {
  if (user) signOut(t('signin.expired'));
});

// --- header ---------------------------------------------------------------------------------
function renderHeader() {
  const nav = $('main-nav');
  nav.hidden = !user;
  nav.setAttribute('aria-label', t('nav.label'));
  replace(nav, h('ul', {}, [['queue', '#/queue'], ['sequences', '#/sequences'], ['enroll', '#/enroll']].map(([name, href]) =>
    h('li', {}, h('a', { href, 'aria-current': route.name === name ? 'page' : null }, t(`nav.${name}`))))));

  const select = $('language');
  if (select.options.length === 0) {
    for (const l of LANGUAGES) select.append(h('option', { value: l.code, lang: l.code }, l.name));
    select.addEventListener('change', () => setLanguage(select.value));
  }
  select.value = language();

  const who = $('user');
  who.hidden = !user;
  replace(who, user ? [h('span', { class: 'user-name', title: user.email }, user.name || user.email),
    h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: () => signOut() }, t('signin.sign_out'))] : []);
}

// --- views ----------------------------------------------------------------------------------
function show(name) {
  for (const [key, el] of Object.entries(views)) el.hidden = key !== name;
  route = { ...route, name };
  renderHeader();
}

const queue = createQueue({ root: views.queue, showError, clearError, isActive: () => route.name === 'queue' && !!user });
const feed = createFeed({ root: $('feed'), onEvent: (type, data) => queue.onFeedEvent(type, data) });
const sequences = createSequences({ root: views.sequences, showError, clearError });
const enroll = createEnroll({ root: views.enroll, showError, clearError });

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'sequences') return { name: 'sequences', id: parts[1] ?? null };
  if (parts[0] === 'enroll') return { name: 'enroll' };
  return { name: 'queue' };
}

function navigate() {
  if (!user) return;
  const next = parseHash();
  const changed = next.name !== route.name;
  route = next;
  clearError();
  show(next.name);
  $('feed').hidden = false;
  if (next.name === 'queue') {
    queue.render();
    queue.load();
  } else if (next.name === 'sequences') {
    sequences.show(next.id);
  } else if (next.name === 'enroll') {
    enroll.show();
  }
  if (changed) announce(t(`nav.${next.name}`));
}

window.addEventListener('hashchange', navigate);

onLanguageChange(() => {
  document.title = t('app.title');
  translateStatic();
  renderHeader();
  feed.render();
  if (!user) renderSignIn();
  else if (route.name === 'queue') queue.render();
  else if (route.name === 'sequences') sequences.render();
  else if (route.name === 'enroll') enroll.render();
  if (lastError) showError(lastError);
  announce(t('language.changed'));
});

// --- start ----------------------------------------------------------------------------------
async function start() {
  document.documentElement.lang = language();
  document.title = t('app.title');
  translateStatic();
  renderHeader();
  renderSignIn();
  const saved = token();
  if (!saved) { show('signin'); return; }
  try {
    const me = await api.me(saved);
    signedIn(me.user ?? me);
  } catch (err) {
    if (err.status === 401) signOut(t('signin.expired'));
    else { show('signin'); showError(err); }
  }
}

start();
