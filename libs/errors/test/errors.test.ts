import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, errorCodes, errorEnvelope, errorStatus, fieldIssues, messageFor, resolveLanguage, toApiError } from '@amplifi/errors';

describe('the error envelope', () => {
  it('carries success false, the code, a message and the request id', () => {
    const envelope = errorEnvelope(new ApiError('NOT_FOUND', { params: { resource: 'Card' } }), 'req-1', 'en');
    expect(envelope).toEqual({ success: false, code: 'NOT_FOUND', message: 'Card not found', requestId: 'req-1' });
  });

  it('lists the offending field paths of a validation failure', () => {
    const error = new ApiError('VALIDATION_FAILED', { fields: [{ path: 'amount', message: 'bad' }, { path: 'currency', message: 'bad' }] });
    const envelope = errorEnvelope(error, 'r', 'en');
    expect(envelope.fields).toHaveLength(2);
    expect(envelope.message).toBe('The request is not valid: amount, currency');
  });

  it('never shows the text of an unexpected error', () => {
    const error = toApiError(new Error('connection to 10.0.0.5 refused, password=hunter2'));
    expect(error.code).toBe('INTERNAL');
    expect(error.status).toBe(500);
    expect(errorEnvelope(error, 'r', 'en').message).not.toContain('hunter2');
  });

  it('passes an ApiError through unchanged', () => {
    const original = new ApiError('CONFLICT', { params: { reason: 'x' } });
    expect(toApiError(original)).toBe(original);
  });
});

describe('error mapping', () => {
  it('gives every code a 4xx or 5xx status and a message in every language', () => {
    for (const code of errorCodes) {
      expect(errorStatus[code]).toBeGreaterThanOrEqual(400);
      for (const language of ['en', 'es', 'fr']) expect(messageFor(code, language).length).toBeGreaterThan(5);
    }
  });

  it('maps the documented statuses', () => {
    expect(new ApiError('UNAUTHENTICATED').status).toBe(401);
    expect(new ApiError('METHOD_NOT_ALLOWED').status).toBe(405);
    expect(new ApiError('PAYLOAD_TOO_LARGE').status).toBe(413);
    expect(new ApiError('UNSUPPORTED_MEDIA_TYPE').status).toBe(415);
    expect(new ApiError('TOO_MANY_ATTEMPTS').status).toBe(429);
  });
});

describe('the language fallback', () => {
  it('answers in Spanish and French, and in English for anything else', () => {
    expect(messageFor('UNAUTHENTICATED', 'es')).toBe('Se requiere una cabecera token válida');
    expect(messageFor('UNAUTHENTICATED', 'fr')).toBe('Un en-tête token valide est requis');
    expect(messageFor('UNAUTHENTICATED', 'de')).toBe('A valid token header is required');
    expect(messageFor('UNAUTHENTICATED', null)).toBe('A valid token header is required');
  });

  it('reads region tags and case', () => {
    expect(resolveLanguage('ES-mx')).toBe('es');
    expect(resolveLanguage('fr-CA,fr;q=0.9')).toBe('fr');
    expect(resolveLanguage('')).toBe('en');
  });

  it('localizes zod field messages and keeps our own refine messages', () => {
    const schema = z.object({ amount: z.string(), code: z.string().refine(() => false, 'our own words') });
    const result = schema.safeParse({ amount: 5, code: 'x' });
    expect(result.success).toBe(false);
    if (result.success) return;
    const english = fieldIssues(result.error, 'en');
    const spanish = fieldIssues(result.error, 'es');
    expect(english.map((f) => f.path)).toEqual(['amount', 'code']);
    expect(spanish[0]?.message).not.toBe(english[0]?.message);
    expect(spanish[1]?.message).toBe('our own words');
  });
});
