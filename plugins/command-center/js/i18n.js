// UI strings and locale-aware formatting. Every string the page shows comes from one of the
// per-language dictionaries in ../i18n/; dates and numbers go through Intl in the chosen locale.

import en from '../i18n/en.js';
import ko from '../i18n/ko.js';
import sv from '../i18n/sv.js';
import nl from '../i18n/nl.js';

export const LANGUAGES = [
  { code: 'en', name: 'English', strings: en },
  { code: 'ko', name: '한국어', strings: ko },
  { code: 'sv', name: 'Svenska', strings: sv },
  { code: 'nl', name: 'Nederlands', strings: nl },
];

const STORAGE_KEY = 'touchpoint.language';
const listeners = new Set();
let current = pickInitial();

function pickInitial() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.some((l) => l.code === saved)) return saved;
  for (const wanted of navigator.languages ?? [navigator.language]) {
    const base = String(wanted).toLowerCase().split('-')[0];
    if (LANGUAGES.some((l) => l.code === base)) return base;
  }
  return 'en';
}

export function language() { return current; }

// Switches the language, updates <html lang> and tells every view to render again.
export function setLanguage(code) {
  if (!LANGUAGES.some((l) => l.code === code)) return;
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
  for (const fn of listeners) fn(code);
}

export function onLanguageChange(fn) { listeners.add(fn); }

function dictionary(code) { return LANGUAGES.find((l) => l.code === code).strings; }

// t('queue.count', {n: 3}): the string in the current language (English when a key is
// missing), with {name} placeholders filled; a {one, other} entry is chosen by `n`.
export function t(key, params = {}) {
  let entry = dictionary(current)[key] ?? en[key];
  if (entry === undefined) return key;
  if (typeof entry === 'object') {
    const form = new Intl.PluralRules(current).select(Number(params.n ?? 0));
    entry = entry[form] ?? entry.other;
  }
  return entry.replace(/\{(\w+)\}/g, (_, name) =>
    name in params ? formatParam(params[name]) : `{${name}}`);
}

function formatParam(value) {
  return typeof value === 'number' ? new Intl.NumberFormat(current).format(value) : String(value);
}

// A label for an API code (task type, event type, send mode...), or the code itself when the
// dictionary has none: new codes from the server still show up readably.
export function label(group, code) {
  if (code === undefined || code === null || code === '') return '';
  const key = `${group}.${code}`;
  const text = dictionary(current)[key] ?? en[key];
  return text ?? String(code).replaceAll('_', ' ');
}

// 'YYYY-MM-DD' (a calendar day, no zone) in the locale's medium date style.
export function formatDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day ?? '');
  if (!m) return day ?? '';
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

// An ISO 8601 instant (or seconds since the epoch) in the reader's zone.
export function formatInstant(value, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  const date = toDate(value);
  if (!date) return value ?? '';
  return new Intl.DateTimeFormat(current, options).format(date);
}

export function formatTime(value) {
  return formatInstant(value, { timeStyle: 'short' });
}

export function formatNumber(n) { return new Intl.NumberFormat(current).format(n); }

export function formatPercent(ratio) {
  return new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

export function toDate(value) {
  if (value === undefined || value === null || value === '') return null;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

// Fills elements marked data-i18n (text) and data-i18n-attr="attr:key" in static markup.
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}
