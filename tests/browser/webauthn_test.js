#!/usr/bin/env node
// WebAuthn end to end: the real `latchkey serve` (dev mode, its own temporary
// directory) and Debian's Chromium driven by playwright-core, with a CTAP2 virtual
// authenticator from the DevTools protocol. Everything the person's browser does
// runs in the page at http://localhost:PORT (a secure context, RP id "localhost"):
// fetch with the session cookie, navigator.credentials.create() and .get().
//
//   LATCHKEY_BIN=build/latchkey node tests/browser/webauthn_test.js
//
// Prints TAP; exits 1 when a check fails, 2 when the set-up does.
'use strict';

const { PASSWORD, check, same, Service, launchChromium, run } = require('./harness');

const OVERALL_TIMEOUT_MS = 240000;

// ------------------------------------------------------------------ in the page
// Installed once in the page (window.lk). Runs in the browser, not in Node.
function installPageHelpers() {
  const b64u = {
    enc(buffer) {
      const bytes = new Uint8Array(buffer instanceof ArrayBuffer ? buffer : buffer.buffer);
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    },
    dec(text) {
      let s = text.replace(/-/g, '+').replace(/_/g, '/');
      while (s.length % 4) s += '=';
      const raw = atob(s);
      const out = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
      return out.buffer;
    },
  };
  async function api(method, url, body) {
    const init = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(url, init);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    return { status: res.status, body: data };
  }
  // PublicKeyCredentialCreationOptions from their WebAuthn JSON form, by hand.
  function creationOptions(json) {
    const o = JSON.parse(JSON.stringify(json));
    o.challenge = b64u.dec(o.challenge);
    o.user = Object.assign({}, o.user, { id: b64u.dec(o.user.id) });
    o.excludeCredentials = (o.excludeCredentials || []).map((c) => Object.assign({}, c, { id: b64u.dec(c.id) }));
    return o;
  }
  function requestOptions(json) {
    const o = JSON.parse(JSON.stringify(json));
    o.challenge = b64u.dec(o.challenge);
    o.allowCredentials = (o.allowCredentials || []).map((c) => Object.assign({}, c, { id: b64u.dec(c.id) }));
    return o;
  }
  // The serialised PublicKeyCredential (the JSON of WebAuthn L3's toJSON()), by hand.
  function registrationJson(cred) {
    return {
      id: cred.id,
      rawId: b64u.enc(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: {
        clientDataJSON: b64u.enc(cred.response.clientDataJSON),
        attestationObject: b64u.enc(cred.response.attestationObject),
        transports: cred.response.getTransports ? cred.response.getTransports() : [],
      },
    };
  }
  function assertionJson(cred) {
    return {
      id: cred.id,
      rawId: b64u.enc(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: {
        clientDataJSON: b64u.enc(cred.response.clientDataJSON),
        authenticatorData: b64u.enc(cred.response.authenticatorData),
        signature: b64u.enc(cred.response.signature),
        userHandle: cred.response.userHandle ? b64u.enc(cred.response.userHandle) : null,
      },
    };
  }
  function clientData(json) {
    return JSON.parse(new TextDecoder().decode(b64u.dec(json.response.clientDataJSON)));
  }
  // A copy of `json` whose clientDataJSON has `changes` applied.
  function withClientData(json, changes) {
    const copy = JSON.parse(JSON.stringify(json));
    const data = Object.assign(clientData(copy), changes);
    copy.response.clientDataJSON = b64u.enc(new TextEncoder().encode(JSON.stringify(data)));
    return copy;
  }
  function randomB64u(n) {
    return b64u.enc(crypto.getRandomValues(new Uint8Array(n)));
  }
  window.lk = { b64u, api, creationOptions, requestOptions, registrationJson, assertionJson,
                clientData, withClientData, randomB64u };
}

// ------------------------------------------------------------------ steps, in the page
async function signIn(page, username) {
  return page.evaluate(async (u) => {
    const { api } = window.lk;
    await api('DELETE', '/api/v1/session');
    return api('POST', '/api/v1/session', { username: u.username, password: u.password });
  }, { username, password: PASSWORD });
}

// Starts a registration and creates the credential. `how`: {name, attestation,
// parseJson (use PublicKeyCredential.parseCreationOptionsFromJSON), toJson (send
// credential.toJSON())}. Answers {begun, error?, credential?}.
async function createKey(page, how) {
  return page.evaluate(async (how) => {
    const lk = window.lk;
    const begun = await lk.api('POST', '/api/v1/me/methods', { kind: 'webauthn', name: how.name });
    if (begun.status !== 201) return { begun };
    const json = Object.assign({}, begun.body.options);
    if (how.attestation) json.attestation = how.attestation;
    let publicKey;
    if (how.parseJson) publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(json);
    else publicKey = lk.creationOptions(json);
    try {
      const cred = await navigator.credentials.create({ publicKey });
      const credential = how.toJson ? cred.toJSON() : lk.registrationJson(cred);
      return { begun, credential, clientData: lk.clientData(credential) };
    } catch (e) {
      return { begun, error: `${e.name}: ${e.message}` };
    }
  }, how);
}

async function finishKey(page, id, credential) {
  return page.evaluate(async (a) => window.lk.api('POST', `/api/v1/me/methods/${a.id}/verify`,
                                                   { credential: a.credential }), { id, credential });
}

// Asks the server for a challenge for the option and gets an assertion for it.
async function assertKey(page, option, how) {
  return page.evaluate(async (a) => {
    const lk = window.lk;
    const challenge = await lk.api('POST', '/api/v1/session/challenge', { method: a.option });
    if (challenge.status !== 200) return { challenge };
    const json = challenge.body.challenge && challenge.body.challenge.options;
    const publicKey = a.how.parseJson ? PublicKeyCredential.parseRequestOptionsFromJSON(json)
                                      : lk.requestOptions(json);
    try {
      const cred = await navigator.credentials.get({ publicKey });
      const credential = a.how.toJson ? cred.toJSON() : lk.assertionJson(cred);
      return { challenge, credential, clientData: lk.clientData(credential) };
    } catch (e) {
      return { challenge, error: `${e.name}: ${e.message}` };
    }
  }, { option, how: how || {} });
}

async function answer(page, option, credential) {
  return page.evaluate(async (a) => window.lk.api('POST', '/api/v1/session/verify',
                                                   { method: a.option, credential: a.credential }),
                       { option, credential });
}

async function tamper(page, credential, changes) {
  return page.evaluate(async (a) => window.lk.withClientData(a.credential, a.changes),
                       { credential, changes });
}

async function api(page, method, url, body) {
  return page.evaluate(async (a) => window.lk.api(a.method, a.url, a.body), { method, url, body });
}

function bytes(b64u) {
  return Buffer.from(b64u, 'base64url');
}

// ------------------------------------------------------------------ the test
async function main(service) {
  let browser = null;
  try {
    for (const name of ['alice', 'bob', 'carol']) service.addUser(name);

    browser = await launchChromium();
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
                 hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const signCountOf = async (rawId) => {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      const c = credentials.find((x) => Buffer.from(x.credentialId, 'base64').toString('base64url') === rawId);
      return c ? c.signCount : undefined;
    };
    const diagFmt = (challenge, credential) => {
      const r = service.cli(['diag', 'webauthn-register', '--rp-id', 'localhost', '--origin', service.origin,
                             '--challenge', challenge], JSON.stringify(credential));
      const m = /^fmt: (\S+)/m.exec(r.stdout || '');
      return { status: r.status, fmt: m ? m[1] : null, out: (r.stdout || '') + (r.stderr || '') };
    };

    const landing = await page.goto(`${service.origin}/healthz`);
    same(landing.status(), 200, 'the page is on the service origin (http://localhost:PORT)');
    check(await page.evaluate(() => window.isSecureContext && !!window.PublicKeyCredential),
          'localhost is a secure context with WebAuthn');
    await page.evaluate(installPageHelpers);

    // ---------------------------------------------------------- alice: "none"
    let r = await signIn(page, 'alice');
    same([r.status, r.body && r.body.state], [201, 'active'], 'alice signs in with her password (fetch, same origin)');

    let made = await createKey(page, { name: 'Virtual key' });
    same(made.begun.status, 201, 'POST /me/methods {kind: webauthn} starts a registration', made.begun.body);
    const opts = made.begun.body.options || {};
    same([made.begun.body.state, made.begun.body.name], ['pending', 'Virtual key'], 'the registration is pending, named');
    same([opts.rp && opts.rp.id, opts.rp && opts.rp.name], ['localhost', 'Example University'],
         'creation options: rp id is the host of public_url, rp name the organisation');
    same([opts.user && opts.user.name, bytes(opts.challenge || '').length, bytes((opts.user || {}).id || '').length],
         ['alice', 32, 64], 'creation options: username, a 32-byte challenge, a 64-byte user handle');
    same((opts.pubKeyCredParams || []).map((p) => p.alg).sort((a, b) => a - b), [-257, -8, -7],
         'creation options: ES256, EdDSA and RS256');
    same([opts.attestation, opts.excludeCredentials, (opts.authenticatorSelection || {}).residentKey,
          (opts.authenticatorSelection || {}).userVerification],
         ['none', [], 'preferred', 'preferred'], 'creation options: attestation none, nothing excluded yet, preferences');
    const parses = await page.evaluate((o) => {
      if (typeof PublicKeyCredential.parseCreationOptionsFromJSON !== 'function') return 'unsupported';
      try { PublicKeyCredential.parseCreationOptionsFromJSON(o); return 'ok'; } catch (e) { return `${e.name}: ${e.message}`; }
    }, opts);
    check(parses === 'ok' || parses === 'unsupported',
          'the creation options are accepted by PublicKeyCredential.parseCreationOptionsFromJSON', parses);
    check(!made.error && made.credential, 'navigator.credentials.create() makes a credential', made.error);
    same([made.clientData.type, made.clientData.origin, made.clientData.challenge],
         ['webauthn.create', service.origin, opts.challenge], 'the client data names the origin and the challenge');
    const aliceCredential = made.credential;
    const aliceChallenge = opts.challenge;
    r = await finishKey(page, made.begun.body.id, made.credential);
    same([r.status, r.body && r.body.state, r.body && r.body.label, r.body && r.body.hint],
         [200, 'active', 'Virtual key', 'Security key'], 'the server verifies the registration: active', r.body);
    const aliceKeyId = made.begun.body.id;
    r = await finishKey(page, aliceKeyId, made.credential);
    same(r.status, 409, 'the same registration cannot be verified twice', r.body);
    const fmtNone = diagFmt(aliceChallenge, aliceCredential);
    same([fmtNone.status, fmtNone.fmt], [0, 'none'],
         'attestation format (latchkey diag webauthn-register, as the service verifies): none', fmtNone.out);
    const count0 = await signCountOf(aliceCredential.rawId);
    check(typeof count0 === 'number', 'the virtual authenticator holds the credential', count0);

    r = await api(page, 'GET', '/api/v1/me/methods');
    same((r.body.methods || []).map((m) => [m.kind, m.state]), [['webauthn', 'active']], 'GET /me/methods lists the key');

    // Signing in again asks for the key.
    r = await api(page, 'DELETE', '/api/v1/session');
    same(r.status, 204, 'alice signs out');
    same((await api(page, 'GET', '/api/v1/me')).status, 401, 'signed out: /me is 401');
    r = await signIn(page, 'alice');
    same([r.status, r.body.state, (r.body.methods || []).map((m) => m.kind)],
         [201, 'second_factor_required', ['webauthn']], 'signing in again: second_factor_required, the key offered');
    let option = r.body.methods[0].id;
    same((await api(page, 'GET', '/api/v1/me')).status, 401, 'before the second factor: /me is 401');
    let got = await assertKey(page, option);
    same(got.challenge.status, 200, 'POST /session/challenge answers the request options', got.challenge.body);
    const ropts = (got.challenge.body.challenge || {}).options || {};
    same([ropts.rpId, (ropts.allowCredentials || []).map((c) => c.id), bytes(ropts.challenge || '').length],
         ['localhost', [aliceCredential.rawId], 32], 'request options: rp id, the registered credential, a fresh challenge');
    check(!got.error && got.credential, 'navigator.credentials.get() signs the challenge', got.error);
    r = await answer(page, option, got.credential);
    same([r.status, r.body && r.body.state], [200, 'active'], 'POST /session/verify with the assertion: signed in', r.body);
    same((await api(page, 'GET', '/api/v1/me')).status, 200, 'signed in: /me is 200');
    const count1 = await signCountOf(aliceCredential.rawId);
    check(count1 > count0, `the signature counter grows (${count0} -> ${count1})`);

    r = await signIn(page, 'alice');
    option = r.body.methods[0].id;
    got = await assertKey(page, option);
    r = await answer(page, option, got.credential);
    const count2 = await signCountOf(aliceCredential.rawId);
    check(r.status === 200 && count2 > count1, `a second sign-in with the key, the counter grows again (${count1} -> ${count2})`, r.body);

    // Tampered assertions.
    r = await signIn(page, 'alice');
    option = r.body.methods[0].id;
    got = await assertKey(page, option);
    let bad = await tamper(page, got.credential, { challenge: await page.evaluate(() => window.lk.randomB64u(32)) });
    r = await answer(page, option, bad);
    same([r.status, r.body.error && r.body.error.code], [400, 'webauthn_bad_challenge'],
         'an assertion whose clientDataJSON names another challenge is refused', r.body);
    r = await answer(page, option, got.credential);
    same(r.status, 409, 'the challenge was spent by the failed answer: the genuine assertion needs a new one', r.body);
    got = await assertKey(page, option);
    bad = await tamper(page, got.credential, { origin: 'https://latchkey-phish.example' });
    r = await answer(page, option, bad);
    same([r.status, r.body.error && r.body.error.code], [400, 'webauthn_bad_origin'],
         'an assertion from another origin is refused', r.body);
    const oldSignature = got.credential.response.signature;  // made over another challenge
    got = await assertKey(page, option);
    r = await answer(page, option, { ...got.credential, response: { ...got.credential.response, signature: oldSignature } });
    same([r.status, r.body.error && r.body.error.code], [400, 'webauthn_bad_signature'],
         'a signature made for another challenge does not verify', r.body);
    got = await assertKey(page, option);
    r = await answer(page, option, got.credential);
    same([r.status, r.body && r.body.state], [200, 'active'], 'after refused answers, a genuine assertion still signs in', r.body);

    // The registered key is excluded from a second registration on the same authenticator.
    made = await createKey(page, { name: 'Same authenticator' });
    same(((made.begun.body.options || {}).excludeCredentials || []).map((c) => c.id), [aliceCredential.rawId],
         'a second registration excludes the registered key');
    check(made.error && made.error.startsWith('InvalidStateError'),
          'the browser refuses to register the same authenticator twice', made.error || made.credential);

    // ---------------------------------------------------------- carol: tampered registrations
    r = await signIn(page, 'carol');
    same([r.status, r.body.state], [201, 'active'], 'carol signs in');
    made = await createKey(page, { name: 'Carol key' });
    bad = await tamper(page, made.credential, { challenge: await page.evaluate(() => window.lk.randomB64u(32)) });
    r = await finishKey(page, made.begun.body.id, bad);
    same([r.status, r.body.error && r.body.error.code], [400, 'webauthn_bad_challenge'],
         'a registration whose clientDataJSON names another challenge is refused', r.body);
    r = await api(page, 'GET', '/api/v1/me/methods');
    same(r.body.methods, [], 'the failed registration is removed (its challenge is spent)');
    r = await finishKey(page, made.begun.body.id, made.credential);
    same(r.status, 404, 'the genuine credential cannot finish the removed registration', r.body);

    made = await createKey(page, { name: 'Carol key' });
    bad = await tamper(page, made.credential, { origin: 'https://latchkey-phish.example' });
    r = await finishKey(page, made.begun.body.id, bad);
    same([r.status, r.body.error && r.body.error.code], [400, 'webauthn_bad_origin'],
         'a registration from another origin is refused', r.body);
    made = await createKey(page, { name: 'Carol key' });
    r = await finishKey(page, made.begun.body.id, await tamper(page, made.credential, { type: 'webauthn.get' }));
    same([r.status, r.body.error && r.body.error.code], [400, 'webauthn_bad_type'],
         'a registration whose client data is of an assertion is refused', r.body);
    made = await createKey(page, { name: 'Carol key' });
    r = await finishKey(page, made.begun.body.id, made.credential);
    same([r.status, r.body && r.body.state], [200, 'active'], 'a genuine registration then succeeds', r.body);
    r = await api(page, 'GET', '/api/v1/me/methods');
    same((r.body.methods || []).map((m) => [m.kind, m.state, m.label]), [['webauthn', 'active', 'Carol key']],
         'carol has one key, no leftovers of the refused registrations');

    // A reset through the security key gate (no sign-in: the flow's own challenge).
    r = await page.evaluate(async (a) => {
      const lk = window.lk;
      const steps = {};
      await lk.api('DELETE', '/api/v1/session');
      const start = await lk.api('POST', '/api/v1/flows', { kind: 'reset', username: 'carol' });
      steps.start = start;
      if (start.status !== 201) return steps;
      const flow = start.body;
      const option = flow.methods[0] && flow.methods[0].id;
      const challenge = await lk.api('POST', `/api/v1/flows/${flow.id}/challenge`, { method: option });
      steps.challenge = challenge;
      if (challenge.status !== 202) return steps;
      const cred = await navigator.credentials.get({ publicKey: lk.requestOptions(challenge.body.challenge.options) });
      const assertion = lk.assertionJson(cred);
      steps.tampered = await lk.api('POST', `/api/v1/flows/${flow.id}/verify`,
                                    { method: option, assertion: lk.withClientData(assertion, { origin: 'https://latchkey-phish.example' }) });
      const again = await lk.api('POST', `/api/v1/flows/${flow.id}/challenge`, { method: option });
      const cred2 = await navigator.credentials.get({ publicKey: lk.requestOptions(again.body.challenge.options) });
      steps.verify = await lk.api('POST', `/api/v1/flows/${flow.id}/verify`, { method: option, assertion: lk.assertionJson(cred2) });
      steps.complete = await lk.api('POST', `/api/v1/flows/${flow.id}/complete`, { new_password: a.password });
      return steps;
    }, { password: 'a new and longer passphrase' });
    same([r.start.status, (r.start.body.methods || []).map((m) => m.kind)], [201, ['webauthn']],
         'a reset for carol offers her security key', r.start.body);
    const fopts = r.challenge && r.challenge.body.challenge && r.challenge.body.challenge.options;
    same([r.challenge && r.challenge.status, r.challenge && r.challenge.body.state, fopts && fopts.rpId,
          fopts && bytes(fopts.challenge).length], [202, 'verify', 'localhost', 32],
         'the flow\'s challenge answers request options', r.challenge && r.challenge.body);
    same([r.tampered && r.tampered.status, r.tampered && r.tampered.body.error && r.tampered.body.error.code],
         [400, 'webauthn_bad_origin'], 'the reset gate refuses an assertion from another origin', r.tampered && r.tampered.body);
    same([r.verify && r.verify.status, r.verify && r.verify.body.state], [200, 'set_password'],
         'the reset gate accepts the key\'s assertion ("assertion" in /verify)', r.verify && r.verify.body);
    same([r.complete && r.complete.status, r.complete && r.complete.body.state], [200, 'done'],
         'the new password is set', r.complete && r.complete.body);
    r = await page.evaluate(async () => {
      const { api } = window.lk;
      await api('DELETE', '/api/v1/session');
      return api('POST', '/api/v1/session', { username: 'carol', password: 'a new and longer passphrase' });
    });
    same([r.status, r.body.state], [201, 'second_factor_required'], 'carol signs in with the new password, and the key is asked for');
    option = r.body.methods[0].id;
    got = await assertKey(page, option);
    r = await answer(page, option, got.credential);
    same([r.status, r.body && r.body.state], [200, 'active'], 'the key still signs carol in after the reset', r.body);

    // ---------------------------------------------------------- bob: "packed", browser JSON
    r = await signIn(page, 'bob');
    same([r.status, r.body.state], [201, 'active'], 'bob signs in');
    const native = await page.evaluate(() => typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function' &&
                                              typeof PublicKeyCredential.prototype.toJSON === 'function');
    made = await createKey(page, { name: 'Bob key', attestation: 'direct', parseJson: native, toJson: native });
    same((made.begun.body.options || {}).attestation, 'none', 'the server asks for no attestation');
    check(!made.error && made.credential, 'with attestation "direct" the authenticator makes a credential', made.error);
    const fmtPacked = diagFmt(made.begun.body.options.challenge, made.credential);
    same([fmtPacked.status, fmtPacked.fmt], [0, 'packed'],
         'attestation format (latchkey diag webauthn-register): packed with its certificate', fmtPacked.out);
    r = await finishKey(page, made.begun.body.id, made.credential);
    same([r.status, r.body && r.body.state], [200, 'active'],
         `the server verifies a packed attestation${native ? ' sent as the browser\'s own toJSON()' : ''}`, r.body);
    const bobCredential = made.credential;
    const bobCount0 = await signCountOf(bobCredential.rawId);
    r = await signIn(page, 'bob');
    same(r.body.state, 'second_factor_required', 'bob signing in again is asked for the key');
    option = r.body.methods[0].id;
    got = await assertKey(page, option, { parseJson: native, toJson: native });
    check(!got.error && got.credential, 'the packed key signs the challenge', got.error);
    r = await answer(page, option, got.credential);
    same([r.status, r.body && r.body.state], [200, 'active'], 'bob is signed in with the packed key', r.body);
    check((await signCountOf(bobCredential.rawId)) > bobCount0, 'bob\'s key counter grows');

    // One account's key is not another's.
    r = await signIn(page, 'alice');
    option = r.body.methods[0].id;
    r = await page.evaluate(async (a) => {
      const lk = window.lk;
      const c = await lk.api('POST', '/api/v1/session/challenge', { method: a.option });
      const publicKey = lk.requestOptions(c.body.challenge.options);
      publicKey.allowCredentials = [{ type: 'public-key', id: lk.b64u.dec(a.bobId) }];
      const cred = await navigator.credentials.get({ publicKey });
      return lk.api('POST', '/api/v1/session/verify', { method: a.option, credential: lk.assertionJson(cred) });
    }, { option, bobId: bobCredential.rawId });
    same([r.status, r.body.error && r.body.error.code], [400, 'webauthn_credential_not_allowed'],
         'alice cannot sign in with bob\'s key', r.body);
    same((await api(page, 'GET', '/api/v1/me')).status, 401, 'and stays not signed in');
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}

// The CAPTCHA has tests of its own (tests/integration/test_captcha.py).
run(new Service('webauthn'), main, OVERALL_TIMEOUT_MS);
