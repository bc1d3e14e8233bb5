// Sign-in: the authorization code flow with PKCE against the identity provider that
// /console/config.json names (Cognito's hosted UI on AWS, the local stack's sign-in page
// locally). The token lives in this tab's sessionStorage, never in a cookie.

export interface ConsoleConfig {
  api: string;
  authorize_url: string;
  token_url: string;
  client_id: string;
  scopes: string;
}

const TOKEN_KEY = "webhooks.token";
const PENDING_KEY = "webhooks.signin";
export const CALLBACK = "/console/callback";

let config: ConsoleConfig | null = null;

export async function loadConfig(): Promise<ConsoleConfig> {
  if (!config) {
    const answer = await fetch("/console/config.json", { cache: "no-cache" });
    if (!answer.ok) throw new Error(`config.json: ${answer.status}`);
    config = (await answer.json()) as ConsoleConfig;
  }
  return config;
}

export function token(): string | null {
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (!stored) return null;
  const { value, expires } = JSON.parse(stored) as { value: string; expires: number };
  return Date.now() < expires ? value : null;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Leave for the identity provider's sign-in page; come back to `returnTo`. */
export async function signIn(returnTo: string): Promise<void> {
  const settings = await loadConfig();
  if (!settings.authorize_url) throw new Error("sign-in is not configured for this deployment");
  const verifier = random();
  const state = random();
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: settings.client_id,
    redirect_uri: location.origin + CALLBACK,
    scope: settings.scopes,
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  });
  location.assign(`${settings.authorize_url}?${query}`);
}

/** On the callback: trade the code for a token; the path to go back to. */
export async function completeSignIn(): Promise<string> {
  const settings = await loadConfig();
  const given = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as
    | { verifier: string; state: string; returnTo: string }
    | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending || given.get("state") !== pending.state) throw new Error("the sign-in did not start here");
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: settings.client_id,
    code: given.get("code") ?? "",
    redirect_uri: location.origin + CALLBACK,
    code_verifier: pending.verifier,
  });
  const answer = await fetch(settings.token_url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  if (!answer.ok) throw new Error(`sign-in refused: ${(await answer.text()).slice(0, 200)}`);
  const granted = (await answer.json()) as { access_token: string; expires_in: number };
  const expires = Date.now() + granted.expires_in * 1000;
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ value: granted.access_token, expires }));
  return pending.returnTo.startsWith("/console") ? pending.returnTo : "/console";
}
