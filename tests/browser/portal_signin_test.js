#!/usr/bin/env node
// "Sign in" and "Security info" in the portal, as a person uses them: frank has an
// authenticator app and recovery codes (registered through the API at the start of the
// test, the app's code computed here from its key); he signs in with the keyboard,
// mistypes his password once, is asked for a second factor, gives a recovery code, and
// sees his security info, masked. The session survives a reload; "Sign out" ends it. A
// German browser gets the German sign-in page. On every page state axe-core must find no
// violation, the page must fit in 320 px, focus must be on the new heading, and no CSP
// violation or script error may happen.
//
//   LATCHKEY_BIN=build/latchkey node tests/browser/portal_signin_test.js
//
// Prints TAP; exits 1 when a check fails, 2 when the set-up does.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const { PASSWORD, check, same, Service, launchChromium, run } = require('./harness');
const { SCREENSHOTS, heading, pageState, cspViolations, newPage, tabTo } = require('./portal_pages');

const OVERALL_TIMEOUT_MS = 180000;

// RFC 6238 with SHA-1, 6 digits, 30 s: what an authenticator app shows now.
function totp(base32) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// A JSON request from the page (same origin, its cookie): {status, body}.
async function call(page, method, url, body) {
  return page.evaluate(async ([m, u, b]) => {
    const init = { method: m, headers: { 'Content-Type': 'application/json' } };
    if (b !== null) init.body = JSON.stringify(b);
    const r = await fetch(u, init);
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  }, [method, url, body === undefined ? null : body]);
}

async function main(service) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  service.addUser('frank', ['--email', 'frank@example.org']);
  const browser = await launchChromium();
  try {
    const { context, page, errors } = await newPage(browser, 'en-GB');
    await page.goto(`${service.origin}/`);
    await heading(page, 'Get back into your account');

    // frank registers an authenticator app and recovery codes through the API.
    same((await call(page, 'POST', '/api/v1/session', { username: 'frank', password: PASSWORD })).status, 201,
         'set-up: frank signs in (nothing strong registered yet)');
    const app = await call(page, 'POST', '/api/v1/me/methods', { kind: 'totp', name: 'Work phone' });
    same(app.status, 201, 'set-up: an authenticator app is registered', app.body);
    const confirmed = await call(page, 'POST', `/api/v1/me/methods/${app.body.id}/verify`, { code: totp(app.body.secret) });
    same(confirmed.status, 200, 'set-up: its first code confirms it', confirmed.body);
    const codes = await call(page, 'POST', '/api/v1/me/methods', { kind: 'recovery_code' });
    same(codes.status, 201, 'set-up: recovery codes are issued');
    same((await call(page, 'DELETE', '/api/v1/session')).status, 204, 'set-up: frank signs out');

    // From the start page's link, keyboard only.
    await page.locator('h1').focus();
    await tabTo(page, 'Sign in to see your security info');
    await page.keyboard.press('Enter');
    await pageState(page, 'sign in', 'Sign in', 'portal-signin-1.png');
    same(await page.evaluate(() => location.hash), '#/signin', 'the sign-in lives at #/signin');
    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.id), 'username', 'Tab from the heading reaches the username');
    await page.keyboard.type('frank');
    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.id), 'password', 'then the password');
    await page.keyboard.type('not his password');
    await page.keyboard.press('Enter');
    await page.locator('.alert:not(.empty)').waitFor();
    same(await page.locator('.alert').textContent(), 'The username or password is not right.', 'a wrong password is announced');
    same(await page.evaluate(() => document.activeElement.id), 'password', 'focus goes back to the password');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');

    await pageState(page, 'second factor', 'Confirm it is you', 'portal-signin-2-factor.png');
    const options = await page.locator('label[for^="factor-"]').allTextContents();
    same(options, ['Enter a code from my authenticator app', 'Enter one of my recovery codes'],
         'the second factors offered: the app and the recovery codes');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');  // the radio group: on to the recovery codes
    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.id), 'code', 'Tab reaches the code');
    same(await page.locator('label[for="code"]').textContent(), 'Recovery code', 'the field asks for a recovery code');
    await page.keyboard.type(codes.body.codes[0]);
    await page.keyboard.press('Enter');

    await pageState(page, 'security info', 'Security info', 'portal-signin-3-security-info.png');
    await page.locator('ul.methods li').first().waitFor();
    const listed = await page.locator('ul.methods li').allTextContents();
    check(listed.some((l) => l.startsWith('Authenticator app')) && listed.some((l) => l.startsWith('Recovery codes')) &&
          listed.some((l) => /^Alternative email · fr\*+@e\*+\.org$/.test(l)),
          'the security info lists the app, the recovery codes and the masked email', listed);
    const shown = await page.locator('main').innerText();
    check(!shown.includes('frank@example.org') && !shown.includes(app.body.secret) && !shown.includes(codes.body.codes[1]),
          'nothing unmasked or secret on the page');
    await page.reload();
    await heading(page, 'Security info');
    check(true, 'the session survives a reload (the HttpOnly cookie)');
    same(await page.evaluate(() => document.cookie), '', 'the page cannot read the session cookie');
    await page.locator('button', { hasText: 'Sign out' }).press('Enter');
    await pageState(page, 'signed out', 'Sign in');
    same(await page.locator('.alert').textContent(), 'You are signed out.', 'signed out, and told so');
    same((await call(page, 'GET', '/api/v1/session')).status, 401, 'the session has ended');
    same(await cspViolations(page), [], 'no CSP violation in the whole sign-in');
    same(errors, [], 'no script error in the whole sign-in');
    await context.close();

    {
      const { context: c, page: p, errors: e } = await newPage(browser, 'de-DE');
      await p.goto(`${service.origin}/#/signin`);
      await pageState(p, 'sign in, German', 'Anmelden');
      same(await p.evaluate(() => document.documentElement.lang), 'de', 'the sign-in page in German (lang="de")');
      same(await p.title(), 'Anmelden – Example University', 'the document title in German');
      same(e, [], 'no script error (German)');
      await c.close();
    }
  } finally {
    await browser.close().catch(() => {});
  }
}

run(new Service('signin', {}), main, OVERALL_TIMEOUT_MS);
