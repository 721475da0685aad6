// The ALTCHA widget (npm `altcha`, its CSP-friendly "external" build: styles in a
// stylesheet, the proof of work in a worker file), loaded only when the service asks
// for a CAPTCHA (GET /api/v1/captcha answers 404 captcha_off otherwise).
import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from './i18n';

export interface CaptchaHandle {
  // Resolves with the payload for POST /api/v1/flows, solving first if need be.
  payload(): Promise<string | null>;
  reset(): void;
}

interface WidgetElement extends HTMLElement {
  verify(): Promise<void>;
  reset(): void;
  getState(): string;
}

let loading: Promise<string> | null = null;
function loadWidget(): Promise<string> {
  if (!loading) {
    loading = Promise.all([
      import('altcha/external'),
      import('altcha/altcha.css'),
      import('altcha/worker?url'),
    ]).then(([, , worker]) => (worker as { default: string }).default);
  }
  return loading;
}

export function Captcha({ handle }: { handle: { current: CaptchaHandle | null } }) {
  const { t, lang } = useI18n();
  const host = useRef<HTMLDivElement>(null);
  const widget = useRef<WidgetElement | null>(null);
  const payload = useRef<string | null>(null);
  const waiters = useRef<((p: string | null) => void)[]>([]);
  const settle = (p: string | null) => {
    for (const w of waiters.current.splice(0)) w(p);
  };

  useEffect(() => {
    let cancelled = false;
    void loadWidget().then((workerUrl) => {
      if (cancelled || !host.current) return;
      const el = document.createElement('altcha-widget') as WidgetElement;
      el.setAttribute('challengeurl', '/api/v1/captcha');
      el.setAttribute('workerurl', workerUrl);
      el.setAttribute('auto', 'onload');
      el.setAttribute('hidelogo', '');
      el.setAttribute('hidefooter', '');
      el.setAttribute('strings', JSON.stringify({
        label: t('captcha.label'), verifying: t('captcha.verifying'), verified: t('captcha.verified'),
        error: t('captcha.error'), expired: t('captcha.expired'), waitAlert: t('captcha.wait'),
        verificationRequired: t('captcha.required'),
      }));
      el.addEventListener('statechange', (ev) => {
        const detail = (ev as CustomEvent<{ state: string; payload?: string }>).detail;
        payload.current = detail.state === 'verified' ? detail.payload ?? null : null;
        if (detail.state === 'verified' || detail.state === 'error') settle(payload.current);
      });
      host.current.replaceChildren(el);
      widget.current = el;
    });
    return () => { cancelled = true; };
  }, [lang]);

  handle.current = {
    payload() {
      if (payload.current) return Promise.resolve(payload.current);
      return new Promise((resolve) => {
        waiters.current.push(resolve);
        setTimeout(() => resolve(null), 15000);
        const el = widget.current;
        if (el && el.getState() === 'unverified') void el.verify();
      });
    },
    reset() {
      payload.current = null;
      widget.current?.reset();
      void widget.current?.verify();
    },
  };

  return <div class="captcha" ref={host} />;
}
