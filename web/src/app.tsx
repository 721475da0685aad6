// The page around every flow: skip link, header with the organisation and the
// language switcher, the flow, and the helpdesk in the footer.
import { useLayoutEffect, useMemo, useState } from 'preact/hooks';
import type { Branding } from './api';
import { I18n, catalogs, languages, rememberLanguage, translator } from './i18n';
import { Reset } from './reset';

export function App({ branding, initialLang }: { branding: Branding; initialLang: string }) {
  const [lang, setLang] = useState(initialLang);
  const i18n = useMemo(() => ({ lang, t: translator(lang) }), [lang]);
  const { t } = i18n;

  // With the render, not after it: assistive technology reads the new text in its language.
  useLayoutEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${t('doc.reset')} – ${branding.organisation_name}`;
  }, [lang, branding.organisation_name]);

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
        <Reset branding={branding} />
      </main>
      <footer class="bottom">
        <p>{branding.helpdesk_contact ? t('footer.help', { contact: branding.helpdesk_contact })
                                      : t('helpdesk.generic')}</p>
      </footer>
    </I18n.Provider>
  );
}
