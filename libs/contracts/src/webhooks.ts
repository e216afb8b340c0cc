/**
 * An endpoint's signing secrets are stored encrypted (FieldCipher) under this context: written by the gateway,
 * read by the sync service. After a rotation the previous secret keeps the same context (it is the same row's).
 */
export function webhookSecretContext(endpointId: string): string {
  return `webhook:${endpointId}:secret`;
}

/** What a webhook request carries as its JSON body (Standard Webhooks: type, timestamp, data). */
export interface WebhookPayload {
  type: string;
  /** When the event happened (ISO 8601), not when this attempt was made (that is the webhook-timestamp header). */
  timestamp: string;
  data: Record<string, unknown>;
}
