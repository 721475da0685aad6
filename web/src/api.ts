// The JSON API on the same origin (docs/api.md). Every answer is {status, body};
// errors keep the contract's {"error": {code, message, field?, violations?}}.

export interface ApiError {
  code: string;
  message: string;
  field?: string;
  retry_after?: number;
  violations?: Violation[];
}

export interface Violation {
  rule: string;
  message: string;
}

export interface Answer<T> {
  status: number;
  ok: boolean;
  body: T | null;
  error: ApiError | null;
}

export type MethodKind =
  | 'email' | 'sms' | 'voice' | 'office_phone' | 'totp' | 'webauthn' | 'security_questions' | 'recovery_code';

export interface FlowMethod {
  id: string;
  kind: MethodKind;
  hint: string;
}

export type FlowState = 'choose_method' | 'verify' | 'set_password' | 'done' | 'expired' | 'blocked';

export interface Flow {
  id: string;
  kind: 'reset' | 'unlock' | 'activate';
  state: FlowState;
  methods: FlowMethod[];
  gates_required: number;
  gates_passed: number;
  passed_methods: string[];
  active_method: string | null;
  expires_at: string;
}

export interface Branding {
  organisation_name: string;
  helpdesk_contact: string;
  primary_colour: string;
}

export interface PasswordPolicy {
  min_length: number;
  max_length: number;
  min_strength: number;
  rules: string[];
}

export interface PasswordCheck {
  accepted: boolean;
  violations: Violation[];
  strength: number;
}

export async function api<T>(method: string, url: string, body?: unknown): Promise<Answer<T>> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    return { status: 0, ok: false, body: null, error: { code: 'network', message: '' } };
  }
  let data: unknown = null;
  try {
    const text = await res.text();
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.ok) return { status: res.status, ok: true, body: data as T, error: null };
  const error = (data as { error?: ApiError } | null)?.error ?? { code: 'internal', message: '' };
  return { status: res.status, ok: false, body: null, error };
}
