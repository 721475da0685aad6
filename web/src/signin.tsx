// "Sign in" and the "Security info" page behind it (docs/portal.md):
//   username + password → [second factor: authenticator app or recovery code] → security info
// The session is the HttpOnly cookie the service sets; the page never sees its token.
import { useEffect, useState } from 'preact/hooks';
import { api, type ApiError, type Branding, type MethodKind } from './api';
import { Alert, Busy, Field, Heading, Helpdesk, errorText } from './flow';
import { useI18n } from './i18n';
import type { MessageKey } from './messages/en';

interface SessionOption { id: string; kind: MethodKind; hint: string }
interface Session { state: 'active' | 'second_factor_required'; methods: SessionOption[]; username: string }
interface Method { id: string; kind: MethodKind; state: 'pending' | 'active'; hint: string; label: string }

// The second factors this page can check; a security key comes later.
const FACTOR_KINDS: MethodKind[] = ['totp', 'recovery_code'];

const KIND_NAME: Record<MethodKind, MessageKey> = {
  email: 'info.kind.email', sms: 'info.kind.sms', voice: 'info.kind.voice', office_phone: 'info.kind.office_phone',
  totp: 'info.kind.totp', webauthn: 'info.kind.webauthn', security_questions: 'info.kind.security_questions',
  recovery_code: 'info.kind.recovery_code',
};

export function SignInPages({ branding }: { branding: Branding }) {
  const [session, setSession] = useState<Session | null>(null);
  const [checked, setChecked] = useState(false);
  const [notice, setNotice] = useState('');

  // Signed in already (the cookie survives a reload): straight to the security info.
  useEffect(() => {
    void api<Session>('GET', '/api/v1/session').then((a) => {
      if (a.ok && a.body) setSession(a.body);
      setChecked(true);
    });
  }, []);

  const signedOut = (text: string) => {
    setNotice(text);
    setSession(null);
  };
  if (!checked) return null;
  if (!session) return <SignIn notice={notice} onSession={setSession} />;
  if (session.state === 'second_factor_required') {
    return <SecondFactor session={session} branding={branding} onSession={setSession} onEnded={signedOut} />;
  }
  return <SecurityInfo session={session} onSignedOut={signedOut} />;
}

function SignIn({ notice, onSession }: { notice: string; onSession: (s: Session) => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [userError, setUserError] = useState('');
  const [passwordError, setPasswordError] = useState('');
  const [alert, setAlert] = useState(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setAlert('');
    setUserError(username.trim() ? '' : t('start.username_missing'));
    setPasswordError(password ? '' : t('signin.password_missing'));
    if (!username.trim()) return document.getElementById('username')?.focus();
    if (!password) return document.getElementById('password')?.focus();
    setBusy(true);
    const a = await api<Session>('POST', '/api/v1/session', { username: username.trim(), password });
    setBusy(false);
    if (a.ok && a.body) return onSession(a.body);
    setAlert(errorText(t, a.error!));
    if (a.error!.code === 'invalid_credentials') document.getElementById('password')?.focus();
  };

  return (
    <section>
      <Heading>{t('signin.heading')}</Heading>
      <p>{t('signin.intro')}</p>
      <form onSubmit={submit} noValidate>
        <Field id="username" label={t('start.username')} value={username} onInput={setUsername}
               error={userError} autocomplete="username" />
        <Field id="password" label={t('signin.password')} value={password} onInput={setPassword}
               type="password" error={passwordError} autocomplete="current-password" />
        <Alert text={alert} />
        <Busy busy={busy}>{t('signin.next')}</Busy>
      </form>
      <nav class="others" aria-label={t('others.label')}>
        <ul>
          <li><a href="#/">{t('others.reset')}</a></li>
          <li><a href="#/unlock">{t('others.unlock')}</a></li>
        </ul>
      </nav>
    </section>
  );
}

function SecondFactor({ session, branding, onSession, onEnded }: {
  session: Session; branding: Branding; onSession: (s: Session) => void; onEnded: (notice: string) => void;
}) {
  const { t } = useI18n();
  const usable = session.methods.filter((m) => FACTOR_KINDS.includes(m.kind));
  const [chosen, setChosen] = useState(usable[0]?.id ?? '');
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState('');
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);
  const kind = usable.find((m) => m.id === chosen)?.kind ?? 'totp';

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setAlert('');
    if (!code.trim()) {
      setCodeError(t('verify.code_missing'));
      document.getElementById('code')?.focus();
      return;
    }
    setBusy(true);
    const a = await api<Session>('POST', '/api/v1/session/verify', { method: chosen, code: code.trim() });
    setBusy(false);
    if (a.ok && a.body) return onSession(a.body);
    const err: ApiError = a.error!;
    if (err.code === 'too_many_attempts' || err.code === 'not_signed_in') return onEnded(errorText(t, err));
    if (['wrong_code', 'code_used', 'code_reused', 'missing_field', 'invalid_field'].includes(err.code)) {
      setCodeError(errorText(t, err));
      document.getElementById('code')?.focus();
    } else {
      setAlert(errorText(t, err));
    }
  };

  return (
    <section>
      <Heading>{t('factor.heading')}</Heading>
      {usable.length === 0 ? (
        <>
          <p>{t('factor.none')}</p>
          <Helpdesk branding={branding} />
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          {usable.length > 1 && (
            <fieldset>
              <legend>{t('factor.legend')}</legend>
              {usable.map((m) => (
                <div class="choice" key={m.id}>
                  <input type="radio" name="factor" id={`factor-${m.id}`} value={m.id} checked={chosen === m.id}
                         onChange={() => { setChosen(m.id); setCodeError(''); }} />
                  <label for={`factor-${m.id}`}>{t(`method.${m.kind}` as MessageKey, { hint: m.hint })}</label>
                </div>
              ))}
            </fieldset>
          )}
          <p>{t(`verify.sent.${kind}` as MessageKey, { organisation: branding.organisation_name, hint: '' })}</p>
          <Field id="code" label={kind === 'recovery_code' ? t('verify.recovery_code') : t('verify.code')}
                 value={code} onInput={setCode} error={codeError} autocomplete="one-time-code"
                 inputMode={kind === 'recovery_code' ? 'text' : 'numeric'} />
          <Alert text={alert} />
          <Busy busy={busy}>{t('signin.next')}</Busy>
        </form>
      )}
    </section>
  );
}

function SecurityInfo({ session, onSignedOut }: { session: Session; onSignedOut: (notice: string) => void }) {
  const { t } = useI18n();
  const [methods, setMethods] = useState<Method[] | null>(null);
  const [alert, setAlert] = useState('');

  useEffect(() => {
    void api<{ methods: Method[] }>('GET', '/api/v1/me/methods').then((a) => {
      if (a.ok && a.body) setMethods(a.body.methods);
      else setAlert(errorText(t, a.error!));
    });
  }, []);

  const signOut = async () => {
    await api('DELETE', '/api/v1/session');
    onSignedOut(t('info.signed_out'));
  };

  return (
    <section>
      <Heading>{t('info.heading')}</Heading>
      <p>{t('info.intro', { username: session.username })}</p>
      <Alert text={alert} />
      {methods === null && !alert && <p aria-live="polite">{t('loading')}</p>}
      {methods !== null && methods.length === 0 && <p>{t('info.none')}</p>}
      {methods !== null && methods.length > 0 && (
        <ul class="methods">
          {methods.map((m) => {
            // The label ("Work phone") and the masked hint, each once, and not when it
            // only repeats the kind.
            const name = t(KIND_NAME[m.kind]);
            const detail = [...new Set([m.label, m.hint])].filter((x) => x && x !== name).join(' · ');
            return (
              <li key={m.id}>
                <span class="method-kind">{name}</span>
                {detail && <span class="method-hint"> · {detail}</span>}
                {m.state === 'pending' && <span class="method-state"> · {t('info.pending')}</span>}
              </li>
            );
          })}
        </ul>
      )}
      <button type="button" class="link" onClick={signOut}>{t('info.sign_out')}</button>
    </section>
  );
}
