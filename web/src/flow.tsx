// The self-service flows (docs/flows.md) as pages:
//   reset:    start (username, CAPTCHA) → verification step 1 [→ step 2] → choose a new password → done
//   unlock:   start (username, CAPTCHA) → verification step 1 [→ step 2] → unlock → done
//   activate: start (username, activation code, CAPTCHA) → choose a password → done
// and the pages that end one early: blocked, expired, throttled (with the helpdesk).
// The flow's id lives in this component only: never in storage or the address bar.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type ApiError, type Branding, type Flow, type FlowMethod, type MethodKind,
         type PasswordCheck, type PasswordPolicy, type Violation } from './api';
import { Captcha, type CaptchaHandle } from './captcha';
import { useI18n, type Translate } from './i18n';
import type { MessageKey } from './messages/en';

type Ending = { reason: 'blocked' | 'expired' | 'throttled'; message?: string };
export type Kind = Flow['kind'];
type Props = { branding: Branding; kind: Kind };

// The texts that differ between the flows.
type KindText = {
  title: MessageKey; doc: MessageKey; intro: MessageKey; last: MessageKey;
  done: MessageKey; doneBody: MessageKey;
};
export const KIND_TEXT: Record<Kind, KindText> = {
  reset: { title: 'title.reset', doc: 'doc.reset', intro: 'start.intro', last: 'steps.password',
           done: 'done.heading', doneBody: 'done.body' },
  unlock: { title: 'title.unlock', doc: 'doc.unlock', intro: 'start.intro.unlock', last: 'steps.unlock',
            done: 'done.unlock.heading', doneBody: 'done.unlock.body' },
  activate: { title: 'title.activate', doc: 'doc.activate', intro: 'start.intro.activate', last: 'steps.password',
              done: 'done.activate.heading', doneBody: 'done.activate.body' },
};

// Where the start page's links lead (the hash routes of app.tsx).
export const KIND_HASH: Record<Kind, string> = { reset: '#/', unlock: '#/unlock', activate: '#/activate' };
const OTHER_LINK: Record<Kind, MessageKey> = { reset: 'others.reset', unlock: 'others.unlock', activate: 'others.activate' };

// Kinds this page can verify; the others (security key, questions) come later.
const CODE_KINDS: MethodKind[] = ['email', 'sms', 'voice', 'office_phone', 'totp', 'recovery_code'];
const SENT_KINDS: MethodKind[] = ['email', 'sms', 'voice', 'office_phone'];

// The answers that end the flow, whatever step it was at.
function endingOf(error: ApiError | null): Ending | null {
  if (!error) return null;
  if (error.code === 'flow_blocked') return { reason: 'blocked' };
  if (error.code === 'flow_expired' || error.code === 'flow_not_found') return { reason: 'expired' };
  if (error.code === 'throttled') return { reason: 'throttled', message: error.message };
  return null;
}

// A person-facing text for an error: ours for the codes we know, else the service's.
export function errorText(t: Translate, error: ApiError): string {
  const known: Record<string, MessageKey> = {
    network: 'error.network', rate_limited: 'error.rate_limited', wrong_code: 'error.wrong_code',
    code_expired: 'error.code_expired', code_used: 'error.code_used', invalid_credentials: 'error.invalid_credentials',
    number_mismatch: 'error.number_mismatch', internal: 'error.internal', unavailable: 'error.unavailable',
  };
  if (error.code in known) return t(known[error.code]);
  if (error.code.startsWith('captcha_')) return t('error.captcha');
  return error.message || t('error.internal');
}

export function FlowPages({ branding, kind }: Props) {
  const [flow, setFlow] = useState<Flow | null>(null);
  const [ending, setEnding] = useState<Ending | null>(null);
  const [username, setUsername] = useState('');
  const [choosing, setChoosing] = useState(false);
  const [attempt, setAttempt] = useState(0);  // a new start remounts every step

  // The flow ends on the server at expires_at: say so then, not at the next click.
  useEffect(() => {
    if (!flow || flow.state === 'done') return undefined;
    const ms = Date.parse(flow.expires_at) - Date.now();
    const timer = setTimeout(() => setEnding({ reason: 'expired' }), Math.max(ms, 0));
    return () => clearTimeout(timer);
  }, [flow?.expires_at, flow?.state]);

  const restart = () => {
    setFlow(null);
    setEnding(null);
    setChoosing(false);
    setAttempt(attempt + 1);
  };
  const next = (f: Flow) => {
    setChoosing(false);
    if (f.state === 'blocked' || f.state === 'expired') setEnding({ reason: f.state });
    else setFlow(f);
  };
  const fail = (error: ApiError | null): boolean => {
    const e = endingOf(error);
    if (e) setEnding(e);
    return e !== null;
  };

  if (ending) return <Ended ending={ending} branding={branding} onRestart={restart} />;
  if (!flow) {
    return <Start key={attempt} kind={kind} branding={branding} onStart={(f, name) => { setUsername(name); next(f); }} fail={fail} />;
  }
  const step = `${flow.state}-${flow.gates_passed}-${choosing}`;
  let page: ComponentChildren;
  if (flow.state === 'choose_method' || (flow.state === 'verify' && choosing)) {
    page = <Choose key={step} flow={flow} branding={branding} onFlow={next} fail={fail} />;
  } else if (flow.state === 'verify') {
    page = <Verify key={step} flow={flow} branding={branding} onFlow={next} fail={fail}
                   onChooseAnother={() => setChoosing(true)} />;
  } else if (flow.state === 'set_password' && kind === 'unlock') {
    page = <Unlock key={step} flow={flow} onFlow={next} fail={fail} />;
  } else if (flow.state === 'set_password') {
    page = <NewPassword key={step} flow={flow} kind={kind} username={username} onFlow={next} fail={fail} />;
  } else {
    page = <Done kind={kind} onRestart={restart} />;
  }
  return (
    <>
      {flow.state !== 'done' && <Steps flow={flow} kind={kind} />}
      {page}
    </>
  );
}

// ------------------------------------------------------------------ pieces

// Moves the keyboard focus (and so the screen reader) to the new step's heading, as
// soon as it is in the document.
function useFocusHeading() {
  const ref = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => { ref.current?.focus(); }, []);
  return ref;
}

export function Heading({ children }: { children: ComponentChildren }) {
  const ref = useFocusHeading();
  return <h1 tabIndex={-1} ref={ref}>{children}</h1>;
}

// "verification step 1 ✓ › verification step 2 › choose a new password"; for an unlock
// the last step is "unlock the account", for an activation "activation code ✓ › choose
// a new password" (the code was the gate).
function Steps({ flow, kind }: { flow: Flow; kind: Kind }) {
  const { t } = useI18n();
  const gates = kind === 'activate' ? [t('steps.activation')]
    : Array.from({ length: flow.gates_required }, (_, i) => t('steps.gate', { n: i + 1 }));
  const current = flow.state === 'set_password' ? gates.length : flow.gates_passed;
  const names = [...gates, t(KIND_TEXT[kind].last)];
  return (
    <nav class="steps" aria-label={t('steps.label')}>
      <ol>
        {names.map((name, i) => (
          <li key={i} class={i < current ? 'passed' : i === current ? 'current' : ''}
              aria-current={i === current ? 'step' : undefined}>
            {i < current && <span aria-hidden="true">✓ </span>}
            {name}
            <span class="sr-only"> {i < current ? t('steps.done') : i === current ? t('steps.current') : ''}</span>
          </li>
        ))}
      </ol>
    </nav>
  );
}

// The region where a step's error is announced. Always in the page, so that screen
// readers notice when text appears in it.
export function Alert({ text }: { text: string }) {
  return <div class={text ? 'alert' : 'alert empty'} role="alert">{text}</div>;
}

export function Field(props: {
  id: string; label: string; hint?: string; error?: string; value: string; type?: string;
  autocomplete?: string; inputMode?: string; onInput: (v: string) => void; spellcheck?: boolean;
}) {
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint && <p class="hint" id={`${props.id}-hint`}>{props.hint}</p>}
      {props.error && <p class="field-error" id={`${props.id}-error`}>{props.error}</p>}
      <input id={props.id} name={props.id} type={props.type ?? 'text'} value={props.value}
             autocomplete={props.autocomplete} inputMode={props.inputMode as never}
             spellcheck={props.spellcheck ?? false} autoCapitalize="off"
             aria-invalid={props.error ? 'true' : undefined}
             aria-describedby={described || undefined}
             onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)} />
    </div>
  );
}

// The step's submit button. While the answer is awaited it says so and is
// aria-disabled, not disabled: a disabled button would drop the keyboard focus. The
// step's handlers ignore a submit while busy.
export function Busy({ busy, children }: { busy: boolean; children: ComponentChildren }) {
  const { t } = useI18n();
  return (
    <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
      {busy ? t('working') : children}
    </button>
  );
}

export function Helpdesk({ branding }: { branding: Branding }) {
  const { t } = useI18n();
  return <p class="helpdesk">{branding.helpdesk_contact ? t('helpdesk.line', { contact: branding.helpdesk_contact })
                                                        : t('helpdesk.generic')}</p>;
}

type StepProps = { flow: Flow; onFlow: (f: Flow) => void; fail: (e: ApiError | null) => boolean };

// ------------------------------------------------------------------ the steps

function Start({ kind, branding, onStart, fail }: {
  kind: Kind; branding: Branding; onStart: (f: Flow, username: string) => void; fail: (e: ApiError | null) => boolean;
}) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [fieldError, setFieldError] = useState('');
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState('');
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);
  const [captchaOn, setCaptchaOn] = useState<boolean | null>(null);
  const captcha = useRef<CaptchaHandle | null>(null);
  const probe = useRef<Promise<boolean> | null>(null);

  useEffect(() => {
    probe.current = api('GET', '/api/v1/captcha').then((a) => {
      setCaptchaOn(a.status !== 404);
      return a.status !== 404;
    });
  }, []);

  // The CAPTCHA's payload, once the probe has answered and the widget is in the page
  // (a submit may come before either).
  const solve = async (): Promise<string | null> => {
    if (!(await probe.current)) return null;
    for (let i = 0; i < 100 && !captcha.current; i += 1) await new Promise((r) => setTimeout(r, 50));
    return (await captcha.current?.payload()) ?? null;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setAlert('');
    const activate = kind === 'activate';
    setFieldError(username.trim() ? '' : t('start.username_missing'));
    setCodeError(activate && !code.trim() ? t('start.code_missing') : '');
    if (!username.trim()) return document.getElementById('username')?.focus();
    if (activate && !code.trim()) return document.getElementById('activation-code')?.focus();
    setBusy(true);
    const solved = await solve();
    if (!solved && (await probe.current)) {
      setBusy(false);
      setAlert(t('start.captcha_wait'));
      return;
    }
    const a = await api<Flow>('POST', '/api/v1/flows', {
      kind, username: username.trim(), ...(activate ? { activation_code: code.trim() } : {}),
      ...(solved ? { captcha: solved } : {}),
    });
    setBusy(false);
    if (a.ok && a.body) return onStart(a.body, username.trim());
    if (fail(a.error)) return;
    const err = a.error!;
    // A payload is spent by the answer, whatever it was: the next try needs a new one.
    if (solved) captcha.current?.reset();
    if (err.field === 'username') {
      setFieldError(errorText(t, err));
    } else if (activate && (err.code === 'activation_invalid' || err.field === 'activation_code')) {
      // The service's own words: one answer for a wrong, expired, used or unknown code.
      setCodeError(errorText(t, err));
      document.getElementById('activation-code')?.focus();
    } else {
      setAlert(errorText(t, err));
    }
  };

  const others = (Object.keys(KIND_TEXT) as Kind[]).filter((k) => k !== kind);
  return (
    <section>
      <Heading>{t(KIND_TEXT[kind].title)}</Heading>
      <p>{t(KIND_TEXT[kind].intro)}</p>
      <form onSubmit={submit} noValidate>
        <Field id="username" label={t('start.username')} value={username} onInput={setUsername}
               hint={t('start.username_hint', { organisation: branding.organisation_name })}
               error={fieldError} autocomplete="username" />
        {kind === 'activate' && (
          <Field id="activation-code" label={t('start.code')} value={code} onInput={setCode}
                 hint={t('start.code_hint')} error={codeError} autocomplete="off" />
        )}
        {captchaOn && <Captcha handle={captcha} />}
        <Alert text={alert} />
        <Busy busy={busy}>{t('start.next')}</Busy>
      </form>
      <nav class="others" aria-label={t('others.label')}>
        <ul>
          {others.map((k) => <li key={k}><a href={KIND_HASH[k]}>{t(OTHER_LINK[k])}</a></li>)}
          <li><a href="#/signin">{t('others.signin')}</a></li>
        </ul>
      </nav>
    </section>
  );
}

function methodLabel(t: Translate, m: FlowMethod): string {
  return t(`method.${m.kind}` as MessageKey, { hint: m.hint });
}

function Choose({ flow, branding, onFlow, fail }: StepProps & { branding: Branding }) {
  const { t } = useI18n();
  const usable = flow.methods.filter((m) => CODE_KINDS.includes(m.kind));
  const [chosen, setChosen] = useState(usable[0]?.id ?? '');
  const [confirm, setConfirm] = useState<string | null>(null);  // null: not asked for
  const [confirmError, setConfirmError] = useState('');
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setAlert('');
    if (!chosen) return setAlert(t('choose.missing'));
    setBusy(true);
    const body: Record<string, string> = { method: chosen };
    if (confirm !== null) body.confirm = confirm;
    const a = await api<Flow>('POST', `/api/v1/flows/${flow.id}/challenge`, body);
    setBusy(false);
    if (a.ok && a.body) return onFlow(a.body);
    if (fail(a.error)) return;
    const err = a.error!;
    if (err.code === 'confirm_required' || err.code === 'number_mismatch') {
      const first = confirm === null;
      setConfirm(confirm ?? '');
      setConfirmError(err.code === 'number_mismatch' ? errorText(t, err) : '');
      if (first) setTimeout(() => document.getElementById('confirm')?.focus(), 0);
      return;
    }
    setAlert(errorText(t, err));
  };

  return (
    <section>
      <Heading>{t('choose.heading', { n: flow.gates_passed + 1, total: flow.gates_required })}</Heading>
      {usable.length === 0 ? (
        <>
          <p>{t('choose.none')}</p>
          <Helpdesk branding={branding} />
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <fieldset>
            <legend>{t('choose.legend')}</legend>
            {usable.map((m) => (
              <div class="choice" key={m.id}>
                <input type="radio" name="method" id={`method-${m.id}`} value={m.id} checked={chosen === m.id}
                       onChange={() => { setChosen(m.id); setConfirm(null); setConfirmError(''); }} />
                <label for={`method-${m.id}`}>{methodLabel(t, m)}</label>
              </div>
            ))}
          </fieldset>
          {confirm !== null && (
            <Field id="confirm" label={t('confirm.label')} hint={t('confirm.hint')} value={confirm}
                   onInput={setConfirm} error={confirmError} type="tel" autocomplete="tel" />
          )}
          <Alert text={alert} />
          <Busy busy={busy}>{t('choose.next')}</Busy>
        </form>
      )}
    </section>
  );
}

function Verify({ flow, branding, onFlow, fail, onChooseAnother }:
  StepProps & { branding: Branding; onChooseAnother: () => void }) {
  const { t } = useI18n();
  const method = flow.methods.find((m) => m.id === flow.active_method);
  const kind = method?.kind ?? 'email';
  const [code, setCode] = useState('');
  const [fieldError, setFieldError] = useState('');
  const [alert, setAlert] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const sent = SENT_KINDS.includes(kind);
  const others = flow.methods.filter((m) => m.id !== flow.active_method && CODE_KINDS.includes(m.kind));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setAlert('');
    setNotice('');
    if (!code.trim()) {
      setFieldError(t('verify.code_missing'));
      document.getElementById('code')?.focus();
      return;
    }
    setBusy(true);
    const a = await api<Flow>('POST', `/api/v1/flows/${flow.id}/verify`,
                              { method: flow.active_method, code: code.trim() });
    setBusy(false);
    if (a.ok && a.body) return onFlow(a.body);
    if (fail(a.error)) return;
    const err = a.error!;
    if (['wrong_code', 'code_expired', 'code_used', 'missing_field', 'invalid_field'].includes(err.code)) {
      setFieldError(errorText(t, err));
      document.getElementById('code')?.focus();
    } else {
      setAlert(errorText(t, err));
    }
  };

  const resend = async () => {
    if (busy) return;
    setAlert('');
    setNotice('');
    setBusy(true);
    const a = await api<Flow>('POST', `/api/v1/flows/${flow.id}/challenge`, { method: flow.active_method });
    setBusy(false);
    if (a.ok) {
      setCode('');
      setFieldError('');
      setNotice(t('verify.resent'));
      return;
    }
    if (!fail(a.error)) setAlert(errorText(t, a.error!));
  };

  return (
    <section>
      <Heading>{t('verify.heading')}</Heading>
      <p>{t(`verify.sent.${kind}` as MessageKey, { hint: method?.hint ?? '', organisation: branding.organisation_name })}</p>
      <form onSubmit={submit} noValidate>
        <Field id="code" label={kind === 'recovery_code' ? t('verify.recovery_code') : t('verify.code')}
               value={code} onInput={setCode} error={fieldError} autocomplete="one-time-code"
               inputMode={kind === 'recovery_code' ? 'text' : 'numeric'} />
        <Alert text={alert} />
        <p class="notice" aria-live="polite">{notice}</p>
        <Busy busy={busy}>{t('verify.next')}</Busy>
        <div class="secondary-actions">
          {sent && <button type="button" class="link" onClick={resend} aria-disabled={busy ? 'true' : undefined}>{t('verify.resend')}</button>}
          {others.length > 0 && (
            <button type="button" class="link" onClick={() => { if (!busy) onChooseAnother(); }}
                    aria-disabled={busy ? 'true' : undefined}>{t('verify.other')}</button>
          )}
        </div>
      </form>
    </section>
  );
}

function NewPassword({ flow, kind, username, onFlow, fail }: StepProps & { kind: Kind; username: string }) {
  const { t } = useI18n();
  const [policy, setPolicy] = useState<PasswordPolicy | null>(null);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [show, setShow] = useState(false);
  const [check, setCheck] = useState<PasswordCheck | null>(null);
  const [violations, setViolations] = useState<Violation[]>([]);
  const [fieldError, setFieldError] = useState('');
  const [againError, setAgainError] = useState('');
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void api<PasswordPolicy>('GET', '/api/v1/password/policy').then((a) => setPolicy(a.body));
  }, []);

  // The live check: the same engine as the final one, a moment after typing stops.
  useEffect(() => {
    if (!password) {
      setCheck(null);
      return undefined;
    }
    let current = true;
    const timer = setTimeout(async () => {
      const a = await api<PasswordCheck>('POST', '/api/v1/password/check', { password, username });
      if (current && a.ok && a.body) setCheck(a.body);
    }, 300);
    return () => { current = false; clearTimeout(timer); };
  }, [password]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setAlert('');
    setViolations([]);
    setFieldError(password ? '' : t('password.missing'));
    setAgainError(password && password !== again ? t('password.mismatch') : '');
    if (!password) return document.getElementById('new-password')?.focus();
    if (password !== again) return document.getElementById('confirm-password')?.focus();
    setBusy(true);
    const a = await api<Flow>('POST', `/api/v1/flows/${flow.id}/complete`, { new_password: password });
    setBusy(false);
    if (a.ok && a.body) return onFlow(a.body);
    if (fail(a.error)) return;
    const err = a.error!;
    if (err.code === 'password_rejected') {
      setViolations(err.violations ?? []);
      setAlert(t('error.password_rejected'));
      document.getElementById('new-password')?.focus();
    } else {
      setAlert(errorText(t, err));
    }
  };

  const live = check && (check.accepted ? [] : check.violations);
  const strength = check ? Math.max(0, Math.min(4, check.strength)) : null;
  return (
    <section>
      <Heading>{t(kind === 'activate' ? 'password.heading.activate' : 'password.heading')}</Heading>
      {policy && policy.rules.length > 0 && (
        <>
          <p id="rules-intro">{t('password.rules')}</p>
          <ul class="rules" aria-labelledby="rules-intro">{policy.rules.map((r, i) => <li key={i}>{r}</li>)}</ul>
        </>
      )}
      <form onSubmit={submit} noValidate>
        <Field id="new-password" label={t('password.new')} value={password} onInput={setPassword}
               type={show ? 'text' : 'password'} autocomplete="new-password" error={fieldError} />
        <div class="strength" aria-live="polite">
          {strength !== null && (
            <>
              <div class={`meter s${strength}`} aria-hidden="true"><span /></div>
              <p>{t('password.strength', { label: t(`password.strength.${strength}` as MessageKey) })}</p>
              {live && live.length === 0 && <p class="ok">{t('password.accepted')}</p>}
              {live && live.length > 0 && <ul class="violations">{live.map((v) => <li key={v.rule}>{v.message}</li>)}</ul>}
            </>
          )}
        </div>
        <Field id="confirm-password" label={t('password.confirm')} value={again} onInput={setAgain}
               type={show ? 'text' : 'password'} autocomplete="new-password" error={againError} />
        <div class="choice">
          <input type="checkbox" id="show-passwords" checked={show}
                 onChange={(e) => setShow((e.currentTarget as HTMLInputElement).checked)} />
          <label for="show-passwords">{t('password.show')}</label>
        </div>
        <Alert text={alert} />
        {violations.length > 0 && <ul class="violations">{violations.map((v) => <li key={v.rule}>{v.message}</li>)}</ul>}
        <Busy busy={busy}>{t('password.finish')}</Busy>
      </form>
    </section>
  );
}

// The unlock's last step: no new password, a confirmation (`…/complete` with {}).
function Unlock({ flow, onFlow, fail }: StepProps) {
  const { t } = useI18n();
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setAlert('');
    setBusy(true);
    const a = await api<Flow>('POST', `/api/v1/flows/${flow.id}/complete`, {});
    setBusy(false);
    if (a.ok && a.body) return onFlow(a.body);
    if (!fail(a.error)) setAlert(errorText(t, a.error!));
  };

  return (
    <section>
      <Heading>{t('unlock.heading')}</Heading>
      <p>{t('unlock.body')}</p>
      <form onSubmit={submit} noValidate>
        <Alert text={alert} />
        <Busy busy={busy}>{t('unlock.finish')}</Busy>
      </form>
    </section>
  );
}

function Done({ kind, onRestart }: { kind: Kind; onRestart: () => void }) {
  const { t } = useI18n();
  return (
    <section>
      <Heading>{t(KIND_TEXT[kind].done)}</Heading>
      <p>{t(KIND_TEXT[kind].doneBody)}</p>
      <button type="button" class="link" onClick={onRestart}>{t('done.again')}</button>
    </section>
  );
}

function Ended({ ending, branding, onRestart }: { ending: Ending; branding: Branding; onRestart: () => void }) {
  const { t } = useI18n();
  const heading = t(`ended.${ending.reason}.heading` as MessageKey);
  const body = ending.reason === 'throttled' ? ending.message ?? '' : t(`ended.${ending.reason}.body` as MessageKey);
  return (
    <section>
      <Heading>{heading}</Heading>
      <p>{body}</p>
      {/* The service's throttled message may name the helpdesk already. */}
      {!(branding.helpdesk_contact && body.includes(branding.helpdesk_contact)) && <Helpdesk branding={branding} />}
      <button type="button" class="primary" onClick={onRestart}>{t('ended.again')}</button>
    </section>
  );
}
