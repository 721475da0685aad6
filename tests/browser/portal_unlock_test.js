#!/usr/bin/env node
// "Unlock your account" in the portal, as a person uses it: dan locks his account
// with wrong passwords at sign-in ([lockout] threshold lowered to 3), follows the
// start page's link to the unlock, proves it is him with the code from the email (the
// dev outbox), confirms, and signs in with the password he had. A German browser gets
// the German unlock page. On every page state axe-core must find no violation, the page
// must fit in 320 px, focus must be on the new heading, and no CSP violation or script
// error may happen. Keyboard only.
//
//   LATCHKEY_BIN=build/latchkey node tests/browser/portal_unlock_test.js
//
// Prints TAP; exits 1 when a check fails, 2 when the set-up does.
'use strict';

const fs = require('fs');
const { PASSWORD, check, same, Service, launchChromium, run } = require('./harness');
const { SCREENSHOTS, HELPDESK, heading, pageState, cspViolations, mailedCode, newPage, signIn,
        tabTo } = require('./portal_pages');

const OVERALL_TIMEOUT_MS = 180000;

async function main(service) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  service.addUser('dan', ['--email', 'dan@example.org']);
  const browser = await launchChromium();
  try {
    const started = Date.now();
    const { context, page, errors } = await newPage(browser, 'en-GB');
    await page.goto(`${service.origin}/`);
    await pageState(page, 'reset start', 'Get back into your account');

    // Three different wrong passwords lock the account; then the right one is refused too.
    const wrong = [];
    for (const pw of ['wrong one 1', 'wrong two 2', 'wrong three 3', 'wrong four 4']) wrong.push(await signIn(page, 'dan', pw));
    same(wrong.slice(0, 2), [401, 401], 'wrong passwords at sign-in: 401');
    same(wrong[3], 429, 'after three, the account is locked (429)', wrong);
    same(await signIn(page, 'dan', PASSWORD), 429, 'locked: the right password is refused too');

    // From the start page's link, keyboard only.
    await page.locator('h1').focus();
    await tabTo(page, 'Account locked? Unlock your account');
    await page.keyboard.press('Enter');
    await pageState(page, 'unlock start', 'Unlock your account', 'portal-unlock-1-start.png');
    same(await page.evaluate(() => location.hash), '#/unlock', 'the unlock lives at #/unlock');
    check((await page.title()).startsWith('Unlock your account'), 'the document title names the unlock', await page.title());
    await page.locator('altcha-widget').waitFor({ timeout: 15000 });

    // The skip link jumps to #main: an in-page jump, not a route.
    await page.locator('a.skip').press('Enter');
    await page.waitForTimeout(200);
    same(await page.locator('h1').textContent(), 'Unlock your account', 'the skip link keeps the unlock page');
    await page.locator('h1').focus();

    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.id), 'username', 'Tab from the heading reaches the username');
    await page.keyboard.type('dan');
    await page.keyboard.press('Enter');
    await pageState(page, 'choose a method', 'Verification step 1 of 1');
    same(await page.locator('nav.steps li').allTextContents(),
         ['verification step 1 (current step)', 'unlock the account '],
         'the step indicator: verification step 1 › unlock the account');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await pageState(page, 'enter the code', 'Enter your verification code');
    const code = await mailedCode(service, 'dan@example.org', 0);
    await page.keyboard.press('Tab');
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');

    await pageState(page, 'confirm the unlock', 'Unlock your account now', 'portal-unlock-2-confirm.png');
    same(await page.locator('nav.steps li').allTextContents(),
         ['✓ verification step 1 (done)', 'unlock the account (current step)'],
         'the step indicator: step 1 done, unlocking');
    same(await page.locator('input[type="password"]').count(), 0, 'no password is asked for');
    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.textContent), 'Unlock my account', 'Tab reaches "Unlock my account"');
    await page.keyboard.press('Enter');
    await pageState(page, 'done', 'Your account is unlocked', 'portal-unlock-3-done.png');
    check(true, `dan's unlock through the portal took ${((Date.now() - started) / 1000).toFixed(1)} s`);

    same(await signIn(page, 'dan', PASSWORD), 201, 'dan signs in with the password he had');
    same(await cspViolations(page), [], 'no CSP violation in the whole unlock');
    same(errors, [], 'no script error in the whole unlock');
    check((await page.locator('footer').textContent()).includes(HELPDESK), 'the footer names the helpdesk');
    await context.close();

    // German, straight to the unlock's address.
    {
      const { context: c, page: p, errors: e } = await newPage(browser, 'de-DE');
      await p.goto(`${service.origin}/#/unlock`);
      await pageState(p, 'unlock start, German', 'Konto entsperren');
      same(await p.evaluate(() => document.documentElement.lang), 'de', 'the unlock page in German (lang="de")');
      await p.locator('#username').press('Enter');
      await p.locator('#username-error').waitFor();
      same(await p.locator('#username-error').textContent(), 'Geben Sie Ihren Benutzernamen ein.',
           'the missing username, in German');
      await tabTo(p, 'Passwort vergessen? Zurücksetzen');
      await p.keyboard.press('Enter');
      await heading(p, 'Wieder Zugang zu Ihrem Konto erhalten');
      check(true, 'the link back to the reset');
      same(e, [], 'no script error (German)');
      await c.close();
    }
  } finally {
    await browser.close().catch(() => {});
  }
}

run(new Service('unlock', {
  branding: { helpdesk_contact: HELPDESK },
  captcha: { enabled: true, max_number: 5000, skip_trusted: false },
  limits: { signin_per_ip: '1000/1m', flow_start_per_ip: '1000/1m' },
  lockout: { threshold: 3, duration_seconds: 3600 },
}), main, OVERALL_TIMEOUT_MS);
