/**
 * The signed-in token lives in sessionStorage: it survives a reload of the tab but not closing
 * it, is not shared with other tabs, and is never put in a URL.
 */
const KEY = 'gofer.token';

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled
  }
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* storage disabled */
  }
}
