#!/usr/bin/env node
// "Activate your account" in the portal, as a person uses it: the administrator
// creates erin waiting for activation (`latchkey user add erin --activation` prints
// the code); erin follows the start page's link, types a wrong code first and sees the
// service's message, then the right one, chooses her password and signs in with it. A
// German browser gets the German activation page. On every page state axe-core must
// find no violation, the page must fit in 320 px, focus must be on the new heading, and
// no CSP violation or script error may happen. Keyboard only.
//
//   LATCHKEY_BIN=build/latchkey node tests/browser/portal_activate_test.js
//
// Prints TAP; exits 1 when a check fails, 2 when the set-up does.
'use strict';

const fs = require('fs');
const { check, same, Service, launchChromium, run } = require('./harness');
const { SCREENSHOTS, HELPDESK, axe, pageState, cspViolations, newPage, signIn, tabTo,
        shot } = require('./portal_pages');

const OVERALL_TIMEOUT_MS = 180000;
const NEW_PASSWORD = 'a long walk by the quiet river 42';

async function main(service) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const added = service.cli(['user', 'add', 'erin', '--activation']);
  const m = /activation code for erin: ([A-Z0-9-]+)/.exec(added.stdout);
  if (added.status !== 0 || !m) throw new Error(`user add erin --activation: ${added.stdout} ${added.stderr}`);
  const code = m[1];
  const browser = await launchChromium();
  try {
    const started = Date.now();
    const { context, page, errors } = await newPage(browser, 'en-GB');
    await page.goto(`${service.origin}/`);
    await pageState(page, 'reset start', 'Get back into your account');
    same(await signIn(page, 'erin', NEW_PASSWORD), 401, 'before the activation erin cannot sign in');

    await tabTo(page, 'New here? Activate your account');
    await page.keyboard.press('Enter');
    await pageState(page, 'activation start', 'Activate your account', 'portal-activate-1-start.png');
    same(await page.evaluate(() => location.hash), '#/activate', 'the activation lives at #/activate');
    await page.locator('altcha-widget').waitFor({ timeout: 15000 });

    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.id), 'username', 'Tab from the heading reaches the username');
    await page.keyboard.type('erin');
    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.id), 'activation-code', 'then the activation code');
    const wrong = code.startsWith('ABCD') ? 'WXYZ-WXYZ-WXYZ-WXYZ' : 'ABCD-EFGH-JKMN-PQRS';
    await page.keyboard.type(wrong);
    await page.keyboard.press('Enter');
    await page.locator('#activation-code-error').waitFor({ timeout: 15000 });
    const message = await page.locator('#activation-code-error').textContent();
    check(message.startsWith('That activation code is not valid'), 'a wrong code: the service\'s message', message);
    same(await page.locator('#activation-code').getAttribute('aria-invalid'), 'true', 'the code is marked invalid');
    same(await page.evaluate(() => document.activeElement.id), 'activation-code', 'focus goes back to the code');
    await axe(page, 'wrong activation code');
    await shot(page, 'portal-activate-2-wrong-code.png');

    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(code.toLowerCase().replace(/-/g, ' '));  // case and dashes do not matter
    await page.keyboard.press('Enter');
    await pageState(page, 'choose a password', 'Choose your password');
    same(await page.locator('nav.steps li').allTextContents(),
         ['✓ activation code (done)', 'choose a new password (current step)'],
         'the step indicator: activation code done, choosing the password');
    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.id), 'new-password', 'Tab reaches the new password');
    await page.keyboard.type(NEW_PASSWORD);
    await page.locator('.strength .ok').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(NEW_PASSWORD);
    await page.keyboard.press('Enter');
    await pageState(page, 'done', 'Your account is active', 'portal-activate-3-done.png');
    const body = await page.locator('section p').first().textContent();
    check(body.startsWith('Sign in to register your security info'), 'the done page says to sign in and register', body);
    check(true, `erin's activation through the portal took ${((Date.now() - started) / 1000).toFixed(1)} s`);

    same(await signIn(page, 'erin', NEW_PASSWORD), 201, 'erin signs in with her new password');
    same(await cspViolations(page), [], 'no CSP violation in the whole activation');
    same(errors, [], 'no script error in the whole activation');
    check((await page.locator('footer').textContent()).includes(HELPDESK), 'the footer names the helpdesk');
    await context.close();

    // German, straight to the activation's address.
    {
      const { context: c, page: p, errors: e } = await newPage(browser, 'de-DE');
      await p.goto(`${service.origin}/#/activate`);
      await pageState(p, 'activation start, German', 'Konto aktivieren');
      same(await p.evaluate(() => document.documentElement.lang), 'de', 'the activation page in German (lang="de")');
      await p.locator('#username').fill('erin');
      await p.locator('#username').press('Enter');
      await p.locator('#activation-code-error').waitFor();
      same(await p.locator('#activation-code-error').textContent(), 'Geben Sie Ihren Aktivierungscode ein.',
           'the missing code, in German');
      same(await p.evaluate(() => document.activeElement.id), 'activation-code', 'focus on the missing code');
      await axe(p, 'missing code, German');
      same(e, [], 'no script error (German)');
      await c.close();
    }
  } finally {
    await browser.close().catch(() => {});
  }
}

run(new Service('activate', {
  branding: { helpdesk_contact: HELPDESK },
  captcha: { enabled: true, max_number: 5000, skip_trusted: false },
  limits: { signin_per_ip: '1000/1m', flow_start_per_ip: '1000/1m' },
}), main, OVERALL_TIMEOUT_MS);
