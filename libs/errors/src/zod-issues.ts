import { z } from 'zod';
import { resolveLanguage, type Language } from './messages';
import type { FieldIssue } from './api-error';

const locales: Record<Language, () => { localeError: z.core.$ZodErrorMap }> = {
  en: z.locales.en,
  es: z.locales.es,
  fr: z.locales.fr,
};

/** Field issues from a zod error, each path dotted (`newAddresses.0.city`) and its message in the user's language. */
export function fieldIssues(error: z.ZodError, language?: string | null): FieldIssue[] {
  const resolved = resolveLanguage(language);
  const path = (issue: z.core.$ZodIssue) => issue.path.map(String).join('.');
  // zod's own English message was made with the input at hand ("received string"); keep it.
  if (resolved === 'en') return error.issues.map((issue) => ({ path: path(issue), message: issue.message }));
  const { localeError } = locales[resolved]();
  return error.issues.map((issue) => {
    const localized = localeError(issue as unknown as z.core.$ZodRawIssue);
    const message = typeof localized === 'string' ? localized : (localized?.message ?? issue.message);
    return { path: path(issue), message: issue.message && isCustom(issue) ? issue.message : message };
  });
}

// A message we wrote ourselves in a refine() is kept as written.
function isCustom(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom';
}
