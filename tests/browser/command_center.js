// The command center in headless Chromium (Debian's chromium, driven by playwright-core),
// against the real touchpoint binary: demo data, a real token, `touchpoint serve`.
//
//   node command_center.js            (TOUCHPOINT_BIN and TOUCHPOINT_ARTIFACTS from the environment)
//   node command_center.js BIN [ARTIFACTS_DIR]
//
// Checks, in order: sign-in shows the demo rep's tasks; completing one removes it from the
// queue (and the server agrees); an open recorded by the server (the tracking pixel of a sent
// demo email) appears in the live feed without a reload; switching to Korean translates the
// page and sets <html lang>. On the way it opens the demo sequence (one row per step) and
// enrolls from a CSV with one bad line (reported by number). Screenshots of each step go to
// ARTIFACTS_DIR.
'use strict';

const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BIN_ARG = process.argv[2] ?? process.env.TOUCHPOINT_BIN;
const BIN = BIN_ARG && path.resolve(BIN_ARG);  // the CLI runs with the temporary directory as cwd
const ARTIFACTS = path.resolve(process.argv[3] ?? process.env.TOUCHPOINT_ARTIFACTS ?? 'artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const REP = 'rep.anna@touchpoint.test';
const SECRET_ENV = 'TOUCHPOINT_BROWSER_TEST_SECRET';
const STEP_TIMEOUT = 15_000;  // per wait; the whole test is bounded by CTest's TIMEOUT

if (!BIN) {
  console.error('usage: node command_center.js TOUCHPOINT_BIN [ARTIFACTS_DIR] (or set TOUCHPOINT_BIN)');
  process.exit(2);
}

// --- the server -------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// The demo started a week before the last Monday, so the rep's call tasks (day 3) are open and
// overdue whatever day the test runs.
function demoStart() {
  const now = new Date();
  const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 7));
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  if (monday > now) monday.setUTCDate(monday.getUTCDate() - 7);
  monday.setUTCDate(monday.getUTCDate() - 7);
  return monday.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function cli(dir, env, ...args) {
  return execFileSync(BIN, ['--db', path.join(dir, 'touchpoint.db'), '--config', path.join(dir, 'touchpoint.json'), ...args],
    { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitForHealth(base, server) {
  const deadline = Date.now() + STEP_TIMEOUT;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`touchpoint serve exited with ${server.exitCode}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base}/healthz did not answer within ${STEP_TIMEOUT} ms`);
}

// Quoted-printable soft line breaks and =XX escapes undone (the demo emails' HTML part).
function decodeQuotedPrintable(text) {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

// The open-pixel URL of one email the demo sent, read from the outbox.
function pixelUrl(outbox, base) {
  for (const name of fs.readdirSync(outbox).sort()) {
    const mime = decodeQuotedPrintable(fs.readFileSync(path.join(outbox, name), 'latin1'));
    const m = /src="([^"]*\/o\/[A-Za-z0-9._~-]+)"/.exec(mime);
    if (m) return new URL(new URL(m[1]).pathname, base).toString();
  }
  throw new Error(`no email in ${outbox} carries an open pixel`);
}

// --- the test ----------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'touchpoint-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, [SECRET_ENV]: 'browser-test-tracking-secret-0123456789' };
  fs.writeFileSync(path.join(dir, 'touchpoint.json'), JSON.stringify({
    listen: `127.0.0.1:${port}`,
    public_url: base,
    secret_env: SECRET_ENV,
    outbox: path.join(dir, 'outbox'),
  }, null, 2));

  let server = null;
  let browser = null;
  const serverLog = fs.openSync(path.join(ARTIFACTS, 'serve.log'), 'w');
  try {
    cli(dir, env, 'demo', '--start', demoStart());
    const token = cli(dir, env, 'token', 'create', '--user', REP).trim().split('\n').pop().trim();
    assert.ok(token.length >= 16, 'token create printed a token on its last line');

    server = spawn(BIN, ['--db', path.join(dir, 'touchpoint.db'), '--config', path.join(dir, 'touchpoint.json'), 'serve'],
      { cwd: dir, env, stdio: ['ignore', serverLog, serverLog] });
    await waitForHealth(base, server);

    const api = async (method, route, body) => {
      const res = await fetch(`${base}${route}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await res.json();
      assert.ok(res.ok, `${method} ${route} answered ${res.status}: ${JSON.stringify(json)}`);
      return json;
    };
    const overdue = (await api('GET', '/api/v1/tasks?view=overdue')).tasks;
    assert.ok(overdue.length >= 2, `the demo gives ${REP} at least two overdue tasks (got ${overdue.length})`);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

    // 1. Sign in with the token; the rep's name shows and the demo tasks are listed.
    await page.goto(`${base}/`);
    await page.getByLabel('Access token').fill(token);
    await shot('01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#user').getByText('Anna Berg').waitFor();
    await page.getByRole('tab', { name: /Overdue/ }).click();
    for (const task of overdue) {
      await page.locator(`.task-item[data-task-id="${task.id}"]`).getByText(task.title).waitFor();
    }
    await shot('02-queue');

    // 2. Complete the first task from the keyboard; it leaves the queue, and the server agrees.
    const done = overdue[0];
    await page.locator(`.task-item[data-task-id="${done.id}"] button`).click();
    await page.locator('#detail-title').getByText(done.title).waitFor();
    await page.keyboard.press('c');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Notes').fill('Reached them; follow up next week.');
    await shot('03-complete-dialog');
    await dialog.getByRole('button', { name: 'Complete' }).click();
    await page.locator(`.task-item[data-task-id="${done.id}"]`).waitFor({ state: 'detached' });
    const closed = (await api('GET', `/api/v1/tasks/${done.id}`)).task;
    assert.equal(closed.state, 'completed', 'the completed task is stored as completed');
    assert.equal(closed.notes, 'Reached them; follow up next week.', 'the notes typed in the dialog were stored');
    await shot('04-completed');

    // 3. The server records an open (the tracking pixel of a demo email); the feed shows it
    //    without a reload. A marker on window would vanish with a reload.
    await page.evaluate(() => { window.__noReload = true; });
    await page.locator('.feed-status[data-status="live"]').waitFor();
    const pixel = await fetch(pixelUrl(path.join(dir, 'outbox'), base), {
      headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' },
    });
    assert.equal(pixel.status, 200, 'the open pixel answers 200');
    assert.match(pixel.headers.get('content-type') ?? '', /image\/gif/);
    await page.locator('.feed-item[data-type="open"]').first().waitFor();
    assert.equal(await page.evaluate(() => window.__noReload), true, 'the page was not reloaded');
    await shot('05-feed-open');

    // 4. Sequences: the demo sequence's steps with their send modes and KPIs.
    const sequences = (await api('GET', '/api/v1/sequences')).sequences;
    const demo = (await api('GET', `/api/v1/sequences/${sequences[0].id}`)).sequence;
    await page.getByRole('navigation').getByRole('link', { name: 'Sequences' }).click();
    await page.getByRole('link', { name: demo.name }).click();
    await page.locator('table.steps tbody tr').nth(demo.steps.length - 1).waitFor();
    assert.equal(await page.locator('table.steps tbody tr').count(), demo.steps.length, 'one row per step');
    await page.locator('table.steps').getByText('Reply in thread').waitFor();
    await shot('06-sequence');

    // 5. Enrollment from a CSV: the good rows enroll, the bad one is reported by its line.
    await page.getByRole('navigation').getByRole('link', { name: 'Enroll' }).click();
    await page.getByLabel('CSV file').setInputFiles({
      name: 'prospects.csv', mimeType: 'text/csv',
      buffer: Buffer.from('email,first_name,last_name,company\nnew.prospect@example.se,Nova,Lind,Exempel AB\nnot-an-email,Bad,Row,Nowhere\n'),
    });
    await page.getByRole('button', { name: 'Upload and enroll' }).click();
    const errors = page.locator('.enroll-result table.errors tbody tr');
    await errors.first().waitFor();
    assert.equal(await errors.count(), 1, 'exactly the bad line is reported');
    assert.equal((await errors.locator('td').first().textContent()).trim(), '3', 'the bad row is line 3');
    await shot('07-enroll-csv');

    // 6. Korean: <html lang>, the tabs and the navigation are translated.
    await page.getByRole('navigation').getByRole('link', { name: 'Queue' }).click();
    await page.getByLabel('Language').selectOption('ko');
    await page.getByRole('tab', { name: /기한 지남/ }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko');
    await page.getByRole('navigation').getByText('작업 목록').waitFor();
    await page.locator('.feed-item[data-type="open"] .feed-type').getByText('열람함').first().waitFor();
    await shot('08-korean');

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    console.log(`ok: command center against ${base}; screenshots in ${ARTIFACTS}`);
  } finally {
    await browser?.close().catch(() => {});
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => {
        const force = setTimeout(() => { server.kill('SIGKILL'); resolve(); }, 5000);
        server.once('exit', () => { clearTimeout(force); resolve(); });
      });
    }
    fs.closeSync(serverLog);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`FAILED: ${err.stack ?? err}`);
  console.error(`(server log: ${path.join(ARTIFACTS, 'serve.log')})`);
  process.exit(1);
});
