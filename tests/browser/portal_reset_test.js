#!/usr/bin/env node
// The portal, as a person uses it: `latchkey serve` (dev mode, the dev outbox, the
// CAPTCHA on) and Debian's Chromium through playwright-core, keyboard only. alice
// resets her password with the code from the email (read with `latchkey outbox list
// --json`), then signs in with the new one; bob gives five wrong codes and is blocked,
// then five more and is throttled; carol waits past the flow's lifetime; a German
// browser gets the German pages and switches to English. On every page state
// axe-core (from node_modules, added as a same-origin script tag) must find no
// violation, the page must fit in 320 px without scrolling sideways, and no
// Content-Security-Policy violation may happen. The key steps are saved as PNGs in
// $SCREENSHOTS (default: $TMPDIR/latchkey-screenshots; under ctest:
// <build>/screenshots).
//
//   LATCHKEY_BIN=build/latchkey node tests/browser/portal_reset_test.js
//   SCREENSHOTS=docs/screenshots ...   refreshes the README's pictures
//
// Prints TAP; exits 1 when a check fails, 2 when the set-up does.
'use strict';

const fs = require('fs');
const { check, same, Service, launchChromium, run } = require('./harness');
const { SCREENSHOTS, HELPDESK, axe, narrow, shot, heading, pageState, cspViolations, mailedCode, newPage,
        signIn } = require('./portal_pages');

const OVERALL_TIMEOUT_MS = 240000;
const NEW_PASSWORD = 'correct horse battery staple 42';

// Types the username and starts: keyboard only, from the focused heading.
async function startReset(page, username) {
  await page.keyboard.press('Tab');
  same(await page.evaluate(() => document.activeElement.id), 'username', 'Tab from the heading reaches the username');
  await page.keyboard.type(username);
  await page.keyboard.press('Enter');
}

// From the method page: the email code, then five wrong codes.
async function fiveWrongCodes(page) {
  await page.locator('button[type="submit"]').click();
  await heading(page, 'Enter your verification code');
  for (let i = 0; i < 5; i += 1) {
    await page.locator('#code').fill('000000');
    await page.locator('#code').press('Enter');
    if (i < 4) await page.locator('#code-error').waitFor();
    await page.waitForFunction(() => !document.querySelector('button[type="submit"][aria-disabled]'));
  }
}

// ------------------------------------------------------------------ the test
async function main(service) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  service.addUser('alice', ['--email', 'alice@example.org']);
  service.addUser('bob', ['--email', 'bob@example.org']);
  service.addUser('carol', ['--email', 'carol@example.org']);
  const browser = await launchChromium();
  try {
    // ---------------------------------------------------------- alice resets
    const started = Date.now();
    const { context, page, errors } = await newPage(browser, 'en-GB');
    const res = await page.goto(`${service.origin}/`);
    const csp = res.headers()['content-security-policy'] || '';
    check(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp), 'the portal is served with a strict CSP', csp);
    const branding = await page.evaluate(async () => (await fetch('/api/v1/branding')).json());
    same(branding, { helpdesk_contact: HELPDESK, organisation_name: 'Example University', primary_colour: '#1d4f91' },
         'GET /api/v1/branding: the [branding] settings');

    await pageState(page, 'start', 'Get back into your account');
    same(await page.locator('.org').textContent(), 'Example University', 'the organisation from the branding is shown');
    check((await page.locator('footer').textContent()).includes(HELPDESK), 'the footer names the helpdesk');
    await page.locator('altcha-widget').waitFor({ timeout: 15000 });
    check(true, 'the CAPTCHA widget is shown (GET /api/v1/captcha answers)');
    await shot(page, 'portal-1-start.png');
    await narrow(page, 'start', 'portal-1-start-320px.png');

    await page.keyboard.press('Enter');  // on the heading: nothing happens
    await startReset(page, 'alice');
    await pageState(page, 'choose a method', 'Verification step 1 of 1', 'portal-2-choose.png');
    same(await page.locator('nav.steps li').allTextContents(),
         ['verification step 1 (current step)', 'choose a new password '],
         'the step indicator: verification step 1 › choose a new password');
    const option = await page.locator('label[for^="method-"]').first().textContent();
    check(/^Email my alternative email address \(al\*+@e\*+\.org\)$/.test(option), 'the email option with its masked hint', option);

    // Heading → the (checked) radio → Next.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await pageState(page, 'enter the code', 'Enter your verification code');
    const sentText = await page.locator('section p').first().textContent();
    check(/al\*+@e\*+\.org/.test(sentText), 'the page says where the code went', sentText);
    const code = await mailedCode(service, 'alice@example.org', 0);

    // A wrong code first: the error is announced and tied to the field.
    await page.keyboard.press('Tab');
    await page.keyboard.type(code === '000000' ? '111111' : '000000');
    await page.keyboard.press('Enter');
    await page.locator('#code-error').waitFor();
    same(await page.locator('#code').getAttribute('aria-invalid'), 'true', 'a wrong code marks the field invalid');
    check((await page.locator('#code').getAttribute('aria-describedby')).includes('code-error'),
          'the field is described by its error');
    same(await page.evaluate(() => document.activeElement.id), 'code', 'focus goes back to the code');
    await axe(page, 'wrong code');
    await shot(page, 'portal-3-wrong-code.png');

    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await pageState(page, 'new password', 'Choose a new password');
    same(await page.locator('nav.steps li').allTextContents(),
         ['✓ verification step 1 (done)', 'choose a new password (current step)'],
         'the step indicator: step 1 done, choosing the password');
    check((await page.locator('ul.rules li').count()) > 0, 'the policy\'s rules are listed (GET /api/v1/password/policy)');

    // A weak password: the live check (POST /api/v1/password/check) lists what is wrong.
    await page.keyboard.press('Tab');
    same(await page.evaluate(() => document.activeElement.id), 'new-password', 'Tab reaches the new password');
    await page.keyboard.type('password');
    await page.locator('.strength ul.violations li').first().waitFor();
    check((await page.locator('.strength').textContent()).includes('Strength: very weak'), 'the strength is shown in words');
    await axe(page, 'live check, weak password');
    await shot(page, 'portal-4-weak-password.png');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(NEW_PASSWORD);
    await page.locator('.strength .ok').waitFor();
    check(true, 'a good password: "This password meets the rules."');
    await page.keyboard.press('Tab');
    await page.keyboard.type('not the same');
    await page.keyboard.press('Enter');
    await page.locator('#confirm-password-error').waitFor();
    same(await page.evaluate(() => document.activeElement.id), 'confirm-password', 'different passwords: focus on the confirmation');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(NEW_PASSWORD);
    await shot(page, 'portal-5-new-password.png');
    await page.keyboard.press('Enter');
    await pageState(page, 'done', 'Your password has been changed', 'portal-6-done.png');
    const elapsed = Date.now() - started;
    check(true, `alice's reset through the portal took ${(elapsed / 1000).toFixed(1)} s`);

    same(await signIn(page, 'alice', NEW_PASSWORD), 201, 'alice signs in with the new password');
    const stored = await page.evaluate(() => JSON.stringify(Object.assign({}, localStorage)) + JSON.stringify(Object.assign({}, sessionStorage)));
    check(!/[A-Za-z0-9_-]{40,}/.test(stored) && !stored.includes(NEW_PASSWORD), 'nothing secret in local or session storage', stored);
    same(await cspViolations(page), [], 'no CSP violation in the whole reset');
    same(errors, [], 'no script error in the whole reset');
    await context.close();

    // ---------------------------------------------------------- bob is blocked
    {
      const { context: c, page: p } = await newPage(browser, 'en-GB');
      await p.goto(`${service.origin}/`);
      await heading(p, 'Get back into your account');
      await startReset(p, 'bob');
      await heading(p, 'Verification step 1 of 1');
      await fiveWrongCodes(p);
      await pageState(p, 'blocked', 'Too many wrong answers', 'portal-7-blocked.png');
      check((await p.locator('section').textContent()).includes(`contact the helpdesk: ${HELPDESK}`),
            'the blocked page gives the helpdesk contact');
      same(await cspViolations(p), [], 'no CSP violation (blocked)');

      // A second flow ended by wrong answers throttles bob for a day ([throttle]
      // failed_flows, lowered to 2 for this test).
      await p.locator('button', { hasText: 'Start again' }).press('Enter');
      await heading(p, 'Get back into your account');
      await startReset(p, 'bob');
      await heading(p, 'Verification step 1 of 1');
      await fiveWrongCodes(p);
      await pageState(p, 'throttled', 'Please try again later', 'portal-8-throttled.png');
      const text = await p.locator('section').textContent();
      check(/until|\d{1,2}:\d{2}/.test(text) && text.split(HELPDESK).length === 2,
            'the throttled page says until when, and gives the helpdesk contact once', text);
      await c.close();
    }

    // ---------------------------------------------------------- carol's flow expires
    {
      const { context: c, page: p } = await newPage(browser, 'en-GB');
      await p.clock.install();
      await p.goto(`${service.origin}/`);
      await heading(p, 'Get back into your account');
      await startReset(p, 'carol');
      await heading(p, 'Verification step 1 of 1');
      await p.clock.fastForward('16:00');
      await pageState(p, 'expired', 'This request has ended');
      check((await p.locator('section').textContent()).includes(HELPDESK), 'the expired page gives the helpdesk contact');
      await p.keyboard.press('Tab');
      same(await p.evaluate(() => document.activeElement.textContent), 'Start again', 'Tab reaches "Start again"');
      await p.keyboard.press('Enter');
      await heading(p, 'Get back into your account');
      check(true, '"Start again" (keyboard) goes back to the start');
      await c.close();
    }

    // ---------------------------------------------------------- German, and the switcher
    {
      const { context: c, page: p, errors: e } = await newPage(browser, 'de-DE');
      await p.goto(`${service.origin}/`);
      await pageState(p, 'start, German', 'Wieder Zugang zu Ihrem Konto erhalten', 'portal-9-german.png');
      same(await p.evaluate(() => document.documentElement.lang), 'de', 'Accept-Language de: the page is German (lang="de")');
      await p.locator('#username').fill('alice');
      await p.locator('#username').press('Enter');
      await pageState(p, 'choose a method, German', 'Überprüfungsschritt 1 von 1');
      await p.locator('#language').selectOption('en');
      await heading(p, 'Verification step 1 of 1');
      same(await p.evaluate(() => document.documentElement.lang), 'en', 'the switcher changes the language in place');
      await axe(p, 'switched to English');
      await p.reload();
      await heading(p, 'Get back into your account');
      check(true, 'the choice is remembered across a reload');
      same(e, [], 'no script error (German)');
      await c.close();
    }
  } finally {
    await browser.close().catch(() => {});
  }
}

run(new Service('portal', {
  branding: { helpdesk_contact: HELPDESK },
  // The CAPTCHA as people meet it, at a lower difficulty; every start comes from 127.0.0.1.
  captcha: { enabled: true, max_number: 5000, skip_trusted: false },
  limits: { signin_per_ip: '1000/1m', flow_start_per_ip: '1000/1m' },
  throttle: { failed_flows: '2/24h' },
}), main, OVERALL_TIMEOUT_MS);
