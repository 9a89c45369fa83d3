import { z } from 'zod';
import { maskSecret } from '../fields';

export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];
export const languageSchema = z.enum(LANGUAGES, {
  error: `must be one of ${LANGUAGES.join(', ')}`,
});

const httpUrl = z
  .string({ error: 'is required' })
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an absolute http:// or https:// URL');

const email = z.email({ error: 'must be an email address' }).max(254);

interface ChannelType<S extends z.ZodType> {
  schema: S;
  /** Fields whose values are secrets: encrypted at rest, masked in responses. */
  secretFields: readonly string[];
}

function channelType<S extends z.ZodType>(t: ChannelType<S>): ChannelType<S> {
  return t;
}

/** One line per channel type; the alerter has one module per entry. */
export const channelTypes = {
  webhook: channelType({
    schema: z.strictObject({
      url: httpUrl,
      secret: z
        .string({ error: 'is required (used to sign each delivery)' })
        .min(16, 'must be at least 16 characters')
        .max(256, 'must be at most 256 characters'),
    }),
    secretFields: ['url', 'secret'],
  }),
  discord: channelType({
    schema: z.strictObject({ webhook_url: httpUrl }),
    secretFields: ['webhook_url'],
  }),
  slack: channelType({
    schema: z.strictObject({ webhook_url: httpUrl }),
    secretFields: ['webhook_url'],
  }),
  telegram: channelType({
    schema: z.strictObject({
      bot_token: z
        .string({ error: 'is required' })
        .regex(
          /^\d{3,20}:[A-Za-z0-9_-]{20,100}$/,
          'must look like 123456:ABC... (from @BotFather)',
        ),
      chat_id: z.union(
        [
          z.number().int(),
          z
            .string()
            .regex(
              /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,63})$/,
              'must be a numeric id or @channel',
            ),
        ],
        { error: 'must be a numeric id or @channel' },
      ),
    }),
    secretFields: ['bot_token'],
  }),
  email: channelType({
    schema: z.strictObject({
      to: z.union([email, z.array(email).min(1).max(10, 'at most 10 recipients')], {
        error: 'must be an email address or a list of up to 10',
      }),
    }),
    secretFields: [],
  }),
};

export type ChannelTypeName = keyof typeof channelTypes;
export const CHANNEL_TYPE_NAMES = Object.keys(channelTypes) as ChannelTypeName[];

export function isChannelType(name: string): name is ChannelTypeName {
  return Object.prototype.hasOwnProperty.call(channelTypes, name);
}

export function maskChannelConfig(
  type: ChannelTypeName,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const secret = new Set(channelTypes[type].secretFields);
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [
      k,
      secret.has(k) && typeof v === 'string' ? maskSecret(v) : v,
    ]),
  );
}
