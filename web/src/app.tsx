// The page around every flow: skip link, header with the organisation and the
// language switcher, the flow, and the helpdesk in the footer.
//
// Routes are in the address's hash (docs/portal.md): #/unlock, #/activate, #/signin,
// and anything else is the reset. Only the page's name is there, never a flow's id.
import { useEffect, useLayoutEffect, useMemo, useState } from 'preact/hooks';
import type { Branding } from './api';
import { FlowPages, KIND_HASH, KIND_TEXT, type Kind } from './flow';
import { I18n, catalogs, languages, rememberLanguage, translator } from './i18n';
import { SignInPages } from './signin';

type Route = Kind | 'signin';

function routeOf(hash: string): Route {
  if (hash === '#/signin') return 'signin';
  const found = (Object.keys(KIND_HASH) as Kind[]).find((k) => KIND_HASH[k] === hash);
  return found ?? 'reset';
}

export function App({ branding, initialLang }: { branding: Branding; initialLang: string }) {
  const [lang, setLang] = useState(initialLang);
  const [route, setRoute] = useState<Route>(() => routeOf(location.hash));
  const i18n = useMemo(() => ({ lang, t: translator(lang) }), [lang]);
  const { t } = i18n;

  useEffect(() => {
    // Only a route changes the page: the skip link's #main is an in-page jump.
    const follow = () => {
      if (location.hash === '' || location.hash.startsWith('#/')) setRoute(routeOf(location.hash));
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  // With the render, not after it: assistive technology reads the new text in its language.
  useLayoutEffect(() => {
    document.documentElement.lang = lang;
    const doc = route === 'signin' ? 'doc.signin' : KIND_TEXT[route].doc;
    document.title = `${t(doc)} – ${branding.organisation_name}`;
  }, [lang, route, branding.organisation_name]);

  return (
    <I18n.Provider value={i18n}>
      <a class="skip" href="#main">{t('skip')}</a>
      <header class="top">
        <p class="org">{branding.organisation_name}</p>
        <div class="lang">
          <label for="language">{t('lang.label')}</label>
          <select id="language" value={lang}
                  onChange={(e) => {
                    const next = (e.currentTarget as HTMLSelectElement).value;
                    rememberLanguage(next);
                    setLang(next);
                  }}>
            {languages.map((l) => <option value={l} lang={l} key={l}>{catalogs[l]['lang.name']}</option>)}
          </select>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route === 'signin' ? <SignInPages key={route} branding={branding} />
                            : <FlowPages key={route} kind={route} branding={branding} />}
      </main>
      <footer class="bottom">
        <p>{branding.helpdesk_contact ? t('footer.help', { contact: branding.helpdesk_contact })
                                      : t('helpdesk.generic')}</p>
      </footer>
    </I18n.Provider>
  );
}
