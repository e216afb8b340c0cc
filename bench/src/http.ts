import { Agent, request } from 'undici';

/** Keep-alive connections shared by the bench's own calls (set-up, steady-rate drivers, raw baselines). */
export const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000, pipelining: 1 });

export interface JsonResponse<T> {
  status: number;
  body: T;
}

/** One JSON call; the body of the answer is parsed when there is one. */
export async function call<T = Record<string, unknown>>(
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), dispatcher: agent });
  const text = await res.body.text();
  return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A call that must answer 2xx; anything else is an error naming the call and the answer. */
export async function ok<T = Record<string, unknown>>(
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const res = await call<T>(method, url, options);
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
