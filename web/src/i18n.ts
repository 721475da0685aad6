// Message catalogs and the choice of language: the person's choice (the switcher,
// remembered in localStorage: a preference, not a secret), else the browser's
// languages (navigator.languages, what it sends as Accept-Language), else English.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import en, { type MessageKey } from './messages/en';
import de from './messages/de';

export type Catalog = Record<MessageKey, string>;
export type Params = Record<string, string | number>;

export const catalogs: Record<string, Catalog> = { en, de };
export const languages = Object.keys(catalogs);
const STORAGE_KEY = 'latchkey.language';

export function chooseLanguage(preferred: readonly string[]): string {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base in catalogs) return base;
  }
  return 'en';
}

export function initialLanguage(): string {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  if (stored && stored in catalogs) return stored;
  return chooseLanguage(navigator.languages ?? [navigator.language]);
}

export function rememberLanguage(lang: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // storage refused (private mode): the choice lasts for this page only
  }
}

export type Translate = (key: MessageKey, params?: Params) => string;

export function translator(lang: string): Translate {
  const catalog = catalogs[lang] ?? en;
  return (key, params) => {
    const text = catalog[key] ?? en[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

export const I18n = createContext<{ lang: string; t: Translate }>({ lang: 'en', t: translator('en') });
export const useI18n = () => useContext(I18n);
