export { afiIdPattern, idTags, newId, newLinkLinkId, newUndoId, randomString, type IdEntity } from './ids';
export { dts, dtsOrNull } from './dts';
export { actionPayloads, destinationContext, type ActionPayloads } from './actions';
export { eventTypeMatches, eventTypes, isEventTypePattern, type EventType } from './events';
export { webhookSecretContext, type WebhookPayload } from './webhooks';
