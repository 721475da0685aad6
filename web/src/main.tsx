import { render } from 'preact';
import { App } from './app';
import { api, type Branding } from './api';
import { initialLanguage } from './i18n';
import './styles.css';

const fallback: Branding = { organisation_name: 'Latchkey', helpdesk_contact: '', primary_colour: '#1d4f91' };

async function boot() {
  const answer = await api<Branding>('GET', '/api/v1/branding');
  const branding = answer.body ?? fallback;
  // A CSS custom property set through the CSSOM: allowed by the CSP (no inline style).
  if (/^#[0-9a-fA-F]{6}$/.test(branding.primary_colour)) {
    document.documentElement.style.setProperty('--primary', branding.primary_colour);
  }
  render(<App branding={branding} initialLang={initialLanguage()} />, document.getElementById('app')!);
}

void boot();
