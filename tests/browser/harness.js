// What every browser test shares: TAP output, the real `latchkey serve` in a
// temporary directory of its own, Debian's Chromium through playwright-core, and the
// run-with-a-deadline wrapper.
'use strict';

const { chromium } = require('playwright-core');
const childProcess = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

const BIN = path.resolve(process.env.LATCHKEY_BIN || path.join(__dirname, '../../build/latchkey'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'the first password 1';

// ------------------------------------------------------------------ TAP
const tap = { count: 0, failures: 0 };
function check(condition, description, detail) {
  tap.count += 1;
  if (condition) {
    console.log(`ok ${tap.count} - ${description}`);
  } else {
    tap.failures += 1;
    console.log(`not ok ${tap.count} - ${description}`);
    if (detail !== undefined) {
      const text = typeof detail === 'string' ? detail : JSON.stringify(detail);
      for (const line of text.slice(0, 4000).split('\n')) console.log(`  # ${line}`);
    }
  }
  return condition;
}
function same(actual, expected, description, detail) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  return check(a === e, description, a === e ? undefined : { expected: expected, actual: actual, detail });
}

// ------------------------------------------------------------------ the service
function freePort() {
  return new Promise((resolve, reject) => {
    let attempts = 0;
    const attempt = () => {
      attempts += 1;
      if (attempts > 200) return reject(new Error('no free port'));
      const port = 20000 + Math.floor(Math.random() * 12000);  // 20000-31999
      const srv = net.createServer();
      srv.once('error', attempt);
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(port)));
    };
    attempt();
  });
}

function getHealth(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

// `sections`: config sections merged over the defaults below ({captcha: {...}}).
class Service {
  constructor(prefix, sections) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `latchkey-${prefix}-`));
    this.sections = sections || {};
    this.proc = null;
  }

  async start() {
    this.port = await freePort();
    this.origin = `http://localhost:${this.port}`;
    this.config = path.join(this.dir, 'latchkey.toml');
    const toml = {
      server: { listen: `127.0.0.1:${this.port}`, public_url: this.origin, dev: true },
      store: { url: 'sqlite://' + path.join(this.dir, 'var', 'latchkey.db') },
      password: { hash_memory_kib: 8192, hash_iterations: 1 },
      branding: { organisation_name: 'Example University' },
      // Every sign-in and answer of a test comes from 127.0.0.1.
      limits: { signin_per_ip: '1000/1m' },
      captcha: { enabled: false },
    };
    for (const [section, values] of Object.entries(this.sections)) {
      toml[section] = Object.assign({}, toml[section], values);
    }
    let text = '';
    for (const [section, values] of Object.entries(toml)) {
      text += `[${section}]\n`;
      for (const [k, v] of Object.entries(values)) text += `${k} = ${JSON.stringify(v)}\n`;
    }
    fs.writeFileSync(this.config, text);
    // The service refuses unknown LATCHKEY_* variables: pass none of the caller's.
    this.env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY_')));
    this.errPath = path.join(this.dir, 'serve.err');
    const out = fs.openSync(path.join(this.dir, 'serve.out'), 'a');
    const err = fs.openSync(this.errPath, 'a');
    this.proc = childProcess.spawn(BIN, ['--config', this.config, 'serve'],
                                   { cwd: this.dir, env: this.env, stdio: ['ignore', out, err] });
    let exited = null;
    this.proc.on('exit', (code, signal) => { exited = code === null ? signal : code; });
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (exited !== null) throw new Error(`latchkey exited with ${exited}: ${this.stderr()}`);
      if (await getHealth(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('latchkey did not serve within 30 s: ' + this.stderr());
  }

  cli(args, input) {
    return childProcess.spawnSync(BIN, ['--config', this.config, ...args],
                                  { cwd: this.dir, env: this.env, input, encoding: 'utf8', timeout: 60000 });
  }

  addUser(name, extra) {
    const r = this.cli(['user', 'add', name, ...(extra || []), '--password-stdin'], PASSWORD + '\n');
    if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
  }

  stderr() {
    try { return fs.readFileSync(this.errPath, 'utf8'); } catch (e) { return ''; }
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const done = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
      await done;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Runs `main(service)` with a deadline, prints the plan, sets the exit code: 1 when
// a check failed, 2 when the set-up did. The service's log follows a failure.
function run(service, main, timeoutMs) {
  if (!fs.existsSync(BIN)) {
    console.log(`not ok 1 - no latchkey binary at ${BIN} (set LATCHKEY_BIN)\n1..1`);
    process.exitCode = 2;
    return;
  }
  const guard = setTimeout(() => {
    console.log(`not ok ${tap.count + 1} - the test did not finish within ${timeoutMs / 1000} s`);
    console.log(`1..${tap.count + 1}`);
    process.exit(1);
  }, timeoutMs);
  const body = async () => {
    try {
      await service.start();
      await main(service);
    } finally {
      if (tap.failures > 0) {
        const err = service.stderr();
        if (err) console.log(err.split('\n').slice(-40).map((l) => `  # serve: ${l}`).join('\n'));
      }
      await service.stop();
    }
  };
  body().then(() => {
    clearTimeout(guard);
    console.log(`1..${tap.count}`);
    if (tap.failures > 0) console.log(`# ${tap.failures} of ${tap.count} failed`);
    process.exitCode = tap.failures > 0 ? 1 : 0;
  }, (e) => {
    clearTimeout(guard);
    console.log(`not ok ${tap.count + 1} - ${e && e.stack ? e.stack.split('\n')[0] : e}`);
    if (e && e.stack) for (const line of e.stack.split('\n').slice(1, 8)) console.log(`  # ${line}`);
    console.log(`1..${tap.count + 1}`);
    process.exitCode = 2;
  });
}

module.exports = { BIN, CHROMIUM, PASSWORD, check, same, Service, launchChromium, run, tap };
