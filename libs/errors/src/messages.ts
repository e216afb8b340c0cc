import type { ErrorCode } from './codes';

/** Languages we write error messages in. Anything else falls back to English. */
export const supportedLanguages = ['en', 'es', 'fr'] as const;
export type Language = (typeof supportedLanguages)[number];

type Catalog = Record<ErrorCode, string>;

const en: Catalog = {
  VALIDATION_FAILED: 'The request is not valid: {fields}',
  MALFORMED_JSON: 'The request body is not valid JSON',
  UNAUTHENTICATED: 'A valid token header is required',
  INVALID_CREDENTIALS: 'The credentials are not valid',
  TOTP_REQUIRED: 'A valid one-time code is required for this user',
  INVALID_ADMIN_KEY: 'A valid x-admin-key header is required',
  INVALID_SIGNATURE: 'The request signature is missing or does not match',
  INVALID_PIN_FORMAT: 'The PIN must be exactly 8 characters',
  FORBIDDEN: 'This action is not allowed',
  CHANNEL_DISABLED: 'This login channel is not enabled',
  TOTP_INVALID: 'The one-time code is not valid',
  NOT_FOUND: '{resource} not found',
  ROUTE_NOT_FOUND: 'There is no endpoint at {method} {path}',
  INVALID_PIN: 'Invalid PIN: characters 3 to 6 must be digits',
  INVALID_CARD_ONOFF: 'ampliFi.cards.cardOnOff: the last part of the path must be on or off',
  INVALID_CARD_RESTRICTIONS: 'The card restrictions cannot be applied: {reason}',
  METHOD_NOT_ALLOWED: 'Method {method} is not allowed here; allowed: {allowed}',
  CONFLICT: 'The request conflicts with the current state: {reason}',
  CARD_STATE_CONFLICT: 'The card does not allow this in its current state: {reason}',
  PAYLOAD_TOO_LARGE: 'The request body is larger than {limit} bytes',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be sent as application/json',
  CAPABILITY_NOT_SUPPORTED: 'The back-office {backOfficeId} does not support {capability}',
  TOO_MANY_ATTEMPTS: 'Too many failed attempts; try again in {retryAfter} seconds',
  INTERNAL: 'Something went wrong on our side; quote the request id when you report it',
  SERVICE_UNAVAILABLE: 'The service is temporarily unavailable; try again later',
  BACKOFFICE_UNAVAILABLE: 'The bank system {backOfficeId} is unavailable, so nothing was done; try again in {retryAfter} seconds',
};

const es: Catalog = {
  VALIDATION_FAILED: 'La solicitud no es válida: {fields}',
  MALFORMED_JSON: 'El cuerpo de la solicitud no es JSON válido',
  UNAUTHENTICATED: 'Se requiere una cabecera token válida',
  INVALID_CREDENTIALS: 'Las credenciales no son válidas',
  TOTP_REQUIRED: 'Este usuario debe enviar un código de un solo uso válido',
  INVALID_ADMIN_KEY: 'Se requiere una cabecera x-admin-key válida',
  INVALID_SIGNATURE: 'La firma de la solicitud falta o no coincide',
  INVALID_PIN_FORMAT: 'El PIN debe tener exactamente 8 caracteres',
  FORBIDDEN: 'Esta acción no está permitida',
  CHANNEL_DISABLED: 'Este canal de inicio de sesión no está habilitado',
  TOTP_INVALID: 'El código de un solo uso no es válido',
  NOT_FOUND: '{resource} no encontrado',
  ROUTE_NOT_FOUND: 'No existe ningún endpoint en {method} {path}',
  INVALID_PIN: 'PIN no válido: los caracteres 3 a 6 deben ser dígitos',
  INVALID_CARD_ONOFF: 'ampliFi.cards.cardOnOff: la última parte de la ruta debe ser on u off',
  INVALID_CARD_RESTRICTIONS: 'No se pueden aplicar las restricciones de la tarjeta: {reason}',
  METHOD_NOT_ALLOWED: 'El método {method} no está permitido aquí; permitidos: {allowed}',
  CONFLICT: 'La solicitud entra en conflicto con el estado actual: {reason}',
  CARD_STATE_CONFLICT: 'La tarjeta no lo permite en su estado actual: {reason}',
  PAYLOAD_TOO_LARGE: 'El cuerpo de la solicitud supera los {limit} bytes',
  UNSUPPORTED_MEDIA_TYPE: 'El cuerpo de la solicitud debe enviarse como application/json',
  CAPABILITY_NOT_SUPPORTED: 'El back-office {backOfficeId} no admite {capability}',
  TOO_MANY_ATTEMPTS: 'Demasiados intentos fallidos; inténtelo de nuevo en {retryAfter} segundos',
  INTERNAL: 'Algo salió mal por nuestra parte; indique el identificador de la solicitud al informarlo',
  SERVICE_UNAVAILABLE: 'El servicio no está disponible temporalmente; inténtelo más tarde',
  BACKOFFICE_UNAVAILABLE: 'El sistema bancario {backOfficeId} no está disponible, así que no se hizo nada; inténtelo de nuevo en {retryAfter} segundos',
};

const fr: Catalog = {
  VALIDATION_FAILED: "La requête n'est pas valide : {fields}",
  MALFORMED_JSON: "Le corps de la requête n'est pas un JSON valide",
  UNAUTHENTICATED: 'Un en-tête token valide est requis',
  INVALID_CREDENTIALS: 'Les identifiants ne sont pas valides',
  TOTP_REQUIRED: 'Un code à usage unique valide est requis pour cet utilisateur',
  INVALID_ADMIN_KEY: 'Un en-tête x-admin-key valide est requis',
  INVALID_SIGNATURE: 'La signature de la requête est absente ou ne correspond pas',
  INVALID_PIN_FORMAT: 'Le PIN doit comporter exactement 8 caractères',
  FORBIDDEN: "Cette action n'est pas autorisée",
  CHANNEL_DISABLED: "Ce canal de connexion n'est pas activé",
  TOTP_INVALID: "Le code à usage unique n'est pas valide",
  NOT_FOUND: '{resource} introuvable',
  ROUTE_NOT_FOUND: "Aucun point d'accès à {method} {path}",
  INVALID_PIN: 'PIN invalide : les caractères 3 à 6 doivent être des chiffres',
  INVALID_CARD_ONOFF: 'ampliFi.cards.cardOnOff : la dernière partie du chemin doit être on ou off',
  INVALID_CARD_RESTRICTIONS: 'Les restrictions de la carte ne peuvent pas être appliquées : {reason}',
  METHOD_NOT_ALLOWED: "La méthode {method} n'est pas autorisée ici ; autorisées : {allowed}",
  CONFLICT: "La requête est en conflit avec l'état actuel : {reason}",
  CARD_STATE_CONFLICT: 'La carte ne le permet pas dans son état actuel : {reason}',
  PAYLOAD_TOO_LARGE: 'Le corps de la requête dépasse {limit} octets',
  UNSUPPORTED_MEDIA_TYPE: 'Le corps de la requête doit être envoyé en application/json',
  CAPABILITY_NOT_SUPPORTED: 'Le back-office {backOfficeId} ne prend pas en charge {capability}',
  TOO_MANY_ATTEMPTS: 'Trop de tentatives échouées ; réessayez dans {retryAfter} secondes',
  INTERNAL: "Une erreur s'est produite de notre côté ; citez l'identifiant de la requête en la signalant",
  SERVICE_UNAVAILABLE: 'Le service est temporairement indisponible ; réessayez plus tard',
  BACKOFFICE_UNAVAILABLE: "Le système bancaire {backOfficeId} est indisponible, rien n'a donc été fait ; réessayez dans {retryAfter} secondes",
};

const catalogs: Record<Language, Catalog> = { en, es, fr };

/** Picks the language to answer in: a supported two-letter code (any case, any region suffix), else English. */
export function resolveLanguage(code: string | null | undefined): Language {
  const primary = (code ?? '').trim().slice(0, 2).toLowerCase();
  return (supportedLanguages as readonly string[]).includes(primary) ? (primary as Language) : 'en';
}

/** The message for a code in a language, with `{name}` placeholders filled from params. */
export function messageFor(code: ErrorCode, language: string | null | undefined, params: Record<string, string | number> = {}): string {
  const template = catalogs[resolveLanguage(language)][code];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
