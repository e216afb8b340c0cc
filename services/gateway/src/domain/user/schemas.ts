import { z } from '@hono/zod-openapi';
import { addressSchema } from './address';
import { emailSchema, phoneNumberSchema } from './contact';
import { isLanguageCode } from './languages';
import { plainText } from './text';

/** Limits that keep one user's row small; a request past them is a 400, not a truncation. */
export const userLimits = {
  emails: 10,
  phoneNumbers: 10,
  addresses: 20,
  /** Older names beyond this are dropped; the newest are the ones a support agent needs. */
  previousNames: 50,
  /** About 512 KiB of image once decoded. */
  faceImageChars: 700_000,
} as const;

const nameSchema = plainText(100).openapi({ example: 'John' });

const languageCodeSchema = z
  .string()
  .trim()
  .transform((value) => value.toLowerCase())
  .refine(isLanguageCode, 'Not an ISO 639-1 language code (two letters, e.g. en)')
  .openapi({ example: 'en', description: 'ISO 639-1. Error messages come in en, es or fr; any other language gets English.' });

const clearable = ' `null` clears it.';

const faceImageSchema = z
  .string()
  .max(userLimits.faceImageChars)
  .regex(/^(data:image\/(png|jpeg|webp);base64,)?[A-Za-z0-9+/]+={0,2}$/, 'Must be a base64 PNG, JPEG or WebP image')
  .openapi({
    description: `Base64 (optionally a data: URL), at most ${userLimits.faceImageChars} characters. Write-only: never answered.${clearable}`,
  });

/**
 * POST /user body: only the fields being changed (§1.7). Unknown fields are dropped; a known field with a bad
 * value fails the whole request. `null` is the same as leaving a field out, except where it can be cleared.
 */
export const UpdateUserBodySchema = z
  .object({
    dtsModified: z.iso
      .datetime({ offset: true })
      .nullish()
      .openapi({ description: 'The `dtsModified` the client last saw; if the user changed since, the update is refused with 409.' }),
    firstName: nameSchema.nullish(),
    lastName: nameSchema.nullish(),
    languageCode: languageCodeSchema.nullish(),
    email: emailSchema.nullish().openapi({ description: 'Becomes the first (primary) of `emails`.' }),
    emails: z
      .array(emailSchema)
      .max(userLimits.emails)
      .nullish()
      .openapi({ description: 'Replaces the whole list (duplicates removed); `email`, if also sent, goes first.' }),
    phoneNumber: phoneNumberSchema.nullish().openapi({ description: 'Becomes the first (primary) of `phoneNumbers`.' }),
    phoneNumbers: z
      .array(phoneNumberSchema)
      .max(userLimits.phoneNumbers)
      .nullish()
      .openapi({ description: 'Replaces the whole list (duplicates removed); `phoneNumber`, if also sent, goes first.' }),
    mobile: phoneNumberSchema.nullish().openapi({ description: `The mobile number.${clearable}` }),
    newAddresses: z
      .array(addressSchema)
      .max(userLimits.addresses)
      .nullish()
      .openapi({ description: 'Appended to the addresses; one already on file is not added twice.' }),
    deletedAddresses: z
      .array(addressSchema)
      .max(userLimits.addresses)
      .nullish()
      .openapi({ description: 'Removed from the addresses (matched ignoring case and spacing) before `newAddresses` are added; one not on file is ignored.' }),
    isMetric: z.boolean().nullish(),
    postOnboardingStepsRequired: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/, 'Letters, digits, _ . - only')
      .nullish()
      .openapi({ description: `The next onboarding step.${clearable}`, example: 'postonboardingadultstep2' }),
    faceImage: faceImageSchema.nullish(),
  })
  .openapi('UpdateUserRequest');

export type UpdateUserBody = z.output<typeof UpdateUserBodySchema>;

const AddressSchema = z
  .object({
    addressLine1: z.string(),
    addressLine2: z.string().nullable(),
    city: z.string(),
    state: z.string(),
    postalCode: z.string(),
    countryCode: z.string().openapi({ example: 'US' }),
    country: z.string().openapi({ description: 'Same value as `countryCode`.', example: 'US' }),
  })
  .openapi('UserAddress');

const NameSchema = z.object({ firstName: z.string(), middleName: z.string(), lastName: z.string() });

/** The user object (§2.5). Never carries the password, the user name or the face image. */
export const UserSchema = z
  .object({
    AFiUserId: z.string().openapi({ example: 'aurl8kgtlv9pcq2x7fz0m' }),
    userId: z.string().openapi({ description: 'Alias of `AFiUserId` (SDK).' }),
    AFiCustomerId: z.string().openapi({ description: 'The customer (household or business) the user belongs to.' }),
    dtsCreated: z.string(),
    dtsModified: z.string().openapi({ description: 'Send it back in POST /user to refuse the update if someone changed the user since.' }),
    dtsCreatedAtUsers: z.string().openapi({ description: 'When the person applied.' }),
    name: NameSchema,
    firstName: z.string(),
    middleName: z.string(),
    lastName: z.string(),
    names: z.array(NameSchema.extend({ dtsChanged: z.string() })).openapi({ description: 'Previous names, oldest first, each with when it was replaced.' }),
    sortId: z.string(),
    languageCode: z.string().openapi({ example: 'en' }),
    segment: z.string().openapi({ description: "The customer's segment.", example: 'retail' }),
    postOnboardingStepsRequired: z.string().nullable(),
    referralCode: z.string().nullable(),
    extras: z.record(z.string(), z.unknown()),
    private: z.boolean().openapi({ description: 'true: a person, not a business.' }),
    isFullyRegistered: z.boolean(),
    isIdleUser: z.boolean(),
    uiStage: z.string().nullable(),
    email: z.string().nullable().openapi({ description: 'The first of `emails`.' }),
    emails: z.array(z.string()),
    phoneNumber: z.string().nullable().openapi({ description: 'The first of `phoneNumbers` (E.164).' }),
    phoneNumbers: z.array(z.string()),
    mobile: z.string().nullable(),
    addresses: z.array(AddressSchema),
    isMetric: z.boolean(),
  })
  .openapi('User');

export type User = z.output<typeof UserSchema>;

export const UserResponseSchema = z.object({ success: z.literal(true), user: UserSchema }).openapi('UserResponse');
