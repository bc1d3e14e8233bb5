// The admin API's client: JSON over fetch with the bearer token, errors as ApiError.
import { loadConfig, signIn, signOut, token } from "../auth";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requiredRole?: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined | null>;

export async function request(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<Response> {
  const { api } = await loadConfig();
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const url = `${api}${path}${search.size ? `?${search}` : ""}`;
  const headers: Record<string, string> = { authorization: `Bearer ${token() ?? ""}` };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const answer = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (answer.status === 401) {
    signOut();
    await signIn(location.pathname + location.search);
  }
  if (!answer.ok) throw await failure(answer);
  return answer;
}

async function failure(answer: Response): Promise<ApiError> {
  try {
    const { error } = (await answer.json()) as { error: { code: string; message: string; required_role?: string } };
    return new ApiError(answer.status, error.code, error.message, error.required_role);
  } catch {
    return new ApiError(answer.status, "http_error", `${answer.status} ${answer.statusText}`);
  }
}

export async function api<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  const answer = await request(method, path, options);
  return (answer.status === 204 ? undefined : await answer.json()) as T;
}

