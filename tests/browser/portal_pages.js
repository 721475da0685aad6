// What the portal's browser tests share: the checks every page state gets (axe-core,
// 320 px, focus on the new heading, no CSP violation), a browser context that serves
// axe-core from node_modules on the page's origin, and the codes the dev outbox holds.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { check, same } = require('./harness');

const SCREENSHOTS = path.resolve(process.env.SCREENSHOTS || path.join(os.tmpdir(), 'latchkey-screenshots'));
const AXE = require.resolve('axe-core/axe.min.js');
const AXE_URL = '/__test__/axe.min.js';  // answered by the browser context from node_modules
const HELPDESK = 'IT Service Desk, 020 7946 0000 (24/7)';
const WIDE = { width: 900, height: 860 };

// ------------------------------------------------------------------ page checks
// Every CSP violation the page reports, kept in the page (a listener from before
// the first script runs).
function watchCsp() {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile || ''}:${e.lineNumber || ''}`);
  });
}

// axe-core on the page as it is now: WCAG 2.0/2.1 A and AA and best practices.
async function axe(page, state) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  // From the page's own origin (see newPage): the CSP allows no inline script.
  if (!loaded) await page.addScriptTag({ url: AXE_URL });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  same(result, [], `axe: no violations (${state})`, result);
}

// At 320 px nothing may stick out sideways (WCAG 1.4.10 reflow); then back to WIDE.
async function narrow(page, state, screenshot) {
  await page.setViewportSize({ width: 320, height: 700 });
  const overflow = await page.evaluate(() => {
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > 320.5 || r.left < -0.5) && !el.closest('.skip')) {
        wide.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
    }
    return { scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 5) };
  });
  check(overflow.scroll <= 320 && overflow.wide.length === 0, `320 px wide: nothing overflows (${state})`, overflow);
  if (screenshot) await shot(page, screenshot);
  await page.setViewportSize(WIDE);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

async function heading(page, text) {
  const h1 = page.locator('h1', { hasText: text });
  try {
    await h1.waitFor({ timeout: 15000 });
  } catch (e) {
    const shown = await page.locator('main').innerText().catch(() => '?');
    throw new Error(`no heading "${text}" within 15 s; the page shows: ${shown.replace(/\s+/g, ' ')}`);
  }
  return h1;
}

async function focusIsOn(page, text, state) {
  await page.waitForFunction((t) => document.activeElement && document.activeElement.textContent.trim() === t,
                             text, { timeout: 2000 }).catch(() => {});
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}:${el.textContent.trim()}` : null;
  });
  same(focused, `h1:${text}`, `focus moved to the new step's heading (${state})`);
}

// Every check of a page state at once.
async function pageState(page, state, text, screenshot) {
  await heading(page, text);
  await focusIsOn(page, text, state);
  await axe(page, state);
  await narrow(page, state);
  if (screenshot) await shot(page, screenshot);
}

async function cspViolations(page) {
  return page.evaluate(() => window.__csp);
}

// The newest code mailed to `to`, from the dev outbox.
async function mailedCode(service, to, skip) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const r = service.cli(['outbox', 'list', '--json', '--to', to]);
    if (r.status !== 0) throw new Error(`outbox list: ${r.stderr}`);
    const messages = JSON.parse(r.stdout);
    if (messages.length > skip) {
      const m = /code is: (\d{6})/.exec(messages[0].body);
      if (m) return m[1];
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`no code mailed to ${to}`);
}

async function newPage(browser, locale) {
  const context = await browser.newContext({ locale, viewport: WIDE });
  await context.addInitScript(watchCsp);
  await context.route(`**${AXE_URL}`, (route) => route.fulfill({ path: AXE, contentType: 'text/javascript' }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Chromium logs every 4xx answer as an error: those are the API's expected answers.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  return { context, page, errors };
}

// Signs in through the API from the page (same origin): the answer's status.
async function signIn(page, username, password) {
  return page.evaluate(async ([u, pw]) => {
    const r = await fetch('/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                               body: JSON.stringify({ username: u, password: pw }) });
    return r.status;
  }, [username, password]);
}

// Presses Tab until the focus is on the element whose text is `text` (at most `max`
// times): the keyboard way to a link or button further down the page.
async function tabTo(page, text, max) {
  for (let i = 0; i < (max || 15); i += 1) {
    await page.keyboard.press('Tab');
    const here = await page.evaluate(() => (document.activeElement ? document.activeElement.textContent.trim() : ''));
    if (here === text) return true;
  }
  throw new Error(`Tab did not reach "${text}"`);
}

module.exports = { SCREENSHOTS, HELPDESK, WIDE, axe, narrow, shot, heading, focusIsOn, pageState,
                   cspViolations, mailedCode, newPage, signIn, tabTo };
