import { z } from '@hono/zod-openapi';

/**
 * Trimmed text of min..max characters without control characters: they have no place in a name or an address,
 * and Postgres refuses a NUL in text and jsonb alike, which would otherwise surface as a 500.
 */
export function plainText(max: number, min = 1) {
  return (
    z
      .string()
      .trim()
      .min(min)
      .max(max)
      // A refine, not .regex(): the OpenAPI generator cannot render a pattern with the u flag.
      .refine((value) => !/\p{Cc}/u.test(value), 'Control characters are not allowed')
  );
}
