import type { IncomingMessage } from 'node:http';

/**
 * The browser's session cookies. `__Host-` makes browsers insist on `Secure`, `Path=/` and no
 * `Domain` (RFC 6265bis §4.1.3.2); `SameSite=Strict` keeps them off cross-site requests. Browsers
 * treat `http://localhost` as secure; a relay served over plain http elsewhere needs TLS in front
 * for browser sign-in.
 */
export const COOKIES = {
  access: '__Host-mjs_at',
  refresh: '__Host-mjs_rt',
  /** Readable by the relay's own pages (not HttpOnly): they send it back as `X-CSRF-Token`. */
  csrf: '__Host-mjs_csrf',
} as const;

/** The cookies of a request (the last one of a name wins; values are not decoded: ours are base64url). */
export function readCookies(req: IncomingMessage): Record<string, string> {
  const header = req.headers.cookie;
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out[name] = value;
  }
  return out;
}

/** One cookie of a request, or undefined. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  return readCookies(req)[name];
}

function cookie(name: string, value: string, maxAge: number, httpOnly: boolean): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Strict${httpOnly ? '; HttpOnly' : ''}`;
}

/** The `Set-Cookie` values of a new or refreshed session. */
export function sessionCookies(tokens: {
  accessToken: string;
  refreshToken: string;
  csrfToken: string;
  expiresIn: number;
  refreshMaxAge: number;
}): string[] {
  return [
    cookie(COOKIES.access, tokens.accessToken, tokens.expiresIn, true),
    cookie(COOKIES.refresh, tokens.refreshToken, tokens.refreshMaxAge, true),
    cookie(COOKIES.csrf, tokens.csrfToken, tokens.refreshMaxAge, false),
  ];
}

/** The `Set-Cookie` values that delete the session's cookies. */
export function clearedCookies(): string[] {
  return [
    cookie(COOKIES.access, '', 0, true),
    cookie(COOKIES.refresh, '', 0, true),
    cookie(COOKIES.csrf, '', 0, false),
  ];
}
