// Every command-center language has every English key, no key English lacks, the same
// placeholders in each string, and plural entries with an `other` form.
//
//   node i18n_complete.js [PLUGIN_DIR]   (default: plugins/command-center beside this tree)
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'plugins', 'command-center'));
const LANGUAGES = ['en', 'ko', 'sv', 'nl'];

const placeholders = (entry) => {
  const forms = typeof entry === 'object' ? Object.values(entry) : [entry];
  return [...new Set(forms.flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();
};

async function main() {
  const dictionaries = {};
  for (const code of LANGUAGES) {
    dictionaries[code] = (await import(pathToFileURL(path.join(dir, 'i18n', `${code}.js`)).href)).default;
  }
  const en = dictionaries.en;
  const failures = [];
  for (const code of LANGUAGES) {
    const d = dictionaries[code];
    for (const key of Object.keys(en)) {
      if (!(key in d)) { failures.push(`${code}: missing ${key}`); continue; }
      const entry = d[key];
      if (typeof entry === 'object' && typeof entry.other !== 'string') failures.push(`${code}: ${key} has no "other" form`);
      if (typeof entry === 'string' && entry.trim() === '') failures.push(`${code}: ${key} is empty`);
      // Every English placeholder appears, except that a language without plural forms may
      // leave a plural's count {n} implicit; none is invented.
      const want = placeholders(en[key]);
      const got = placeholders(entry);
      const lacking = want.filter((p) => !got.includes(p) && !(p === 'n' && typeof en[key] === 'object'));
      const extra = got.filter((p) => !want.includes(p));
      if (lacking.length || extra.length) {
        failures.push(`${code}: ${key} has placeholders {${got}}, English has {${want}}`);
      }
    }
    for (const key of Object.keys(d)) if (!(key in en)) failures.push(`${code}: ${key} is not an English key`);
  }
  // Translations are real: most strings differ from English (names like "Gmail" may not).
  for (const code of LANGUAGES.filter((c) => c !== 'en')) {
    const same = Object.keys(en).filter((k) => JSON.stringify(en[k]) === JSON.stringify(dictionaries[code][k]));
    if (same.length > Object.keys(en).length * 0.1) failures.push(`${code}: ${same.length} strings are still English`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
  console.log(`ok: ${LANGUAGES.length} languages, ${Object.keys(en).length} keys each`);
}

main().catch((err) => { console.error(`FAILED: ${err.message}`); process.exit(1); });
