import type { Context, Env } from 'hono';
import type { z } from 'zod';
import { SandboxError } from './errors';
import type { IdempotentResponse } from './idempotency';

export interface SandboxEnv extends Env {
  Variables: { requestId: string };
}

/** The body as JSON validated by `schema`; malformed JSON and invalid fields are 400s listing every field. */
export async function readBody<S extends z.ZodType>(c: Context<SandboxEnv>, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new SandboxError('MALFORMED_JSON', 'the request body is not valid JSON');
  }
  return validate(schema, json, 'the request is not valid');
}

/** Path parameters, validated like a body. */
export function readParams<S extends z.ZodType>(c: Context<SandboxEnv>, schema: S): z.output<S> {
  return validate(schema, c.req.param(), 'the path is not valid');
}

function validate<S extends z.ZodType>(schema: S, value: unknown, message: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  throw new SandboxError('VALIDATION_FAILED', `${message}: ${fields.map((f) => f.path || '(body)').join(', ')}`, fields);
}

const keyShape = /^[\x21-\x7e]{1,255}$/;

/** Every write carries an Idempotency-Key (1 to 255 printable ASCII characters, no spaces). */
export function idempotencyKey(c: Context<SandboxEnv>): string {
  const key = c.req.header('idempotency-key');
  if (key === undefined || !keyShape.test(key)) {
    throw new SandboxError('IDEMPOTENCY_KEY_REQUIRED', 'an Idempotency-Key header of 1 to 255 printable characters is required');
  }
  return key;
}

export function respond(c: Context<SandboxEnv>, result: IdempotentResponse): Response {
  if (result.replayed) c.header('Idempotent-Replayed', 'true');
  return c.json(result.body as object, result.status as 200);
}
