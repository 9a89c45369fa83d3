import { z } from 'zod';
import { maskSecret } from '../fields';
import {
  MAX_MATCHED_CHARS,
  MAX_PATTERN_CHARS,
  PATTERN_SLICE_MS,
  userPatternField,
} from '../patterns';
import { timeoutField } from './net-fields';

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Headers the WebSocket handshake sets itself; letting users set them would break it. */
const reservedHeaders = new Set([
  'host',
  'connection',
  'upgrade',
  'content-length',
  'transfer-encoding',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

export const websocketTargetSchema = z.strictObject({
  url: z
    .string({ error: 'is required' })
    .max(2048, 'must be at most 2048 characters')
    .refine((v) => {
      const u = URL.parse(v);
      return u !== null && (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname !== '';
    }, 'must be an absolute ws:// or wss:// URL')
    .refine((v) => !v.includes('#'), 'must not contain a fragment (#...)'),
  headers: z
    .record(
      z.string().regex(headerName, 'header names must be HTTP tokens'),
      z
        .string({ error: 'header values must be strings' })
        .max(4096, 'header values must be at most 4096 characters')
        .regex(/^[^\r\n\0]*$/, 'header values must not contain line breaks'),
    )
    .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers')
    .refine(
      (h) => Object.keys(h).every((k) => !reservedHeaders.has(k.toLowerCase())),
      `must not set ${[...reservedHeaders].join(', ')}`,
    )
    .default({}),
  /** A text message sent once the connection is open. */
  send: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(16_384, 'must be at most 16384 characters')
    .optional(),
  /**
   * What the first message from the server must hold (after `send`, if any): `contains` a
   * substring, or `matches` a regular expression (RE2 syntax: see ../patterns.ts). Without it
   * the check is up once connected (and once `send` was written).
   */
  expect: z
    .strictObject(
      {
        contains: z.string().min(1, 'must not be empty').max(1024).optional(),
        matches: userPatternField(
          z
            .string()
            .min(1, 'must not be empty')
            .max(MAX_PATTERN_CHARS, `must be at most ${MAX_PATTERN_CHARS} characters`),
          'must be a valid regular expression',
        )
          .describe(
            `A regular expression in RE2 syntax (no backreferences or lookarounds), run over the first ${MAX_MATCHED_CHARS} characters of the reply; the check fails if matching takes more than ${PATTERN_SLICE_MS} ms.`,
          )
          .optional(),
      },
      { error: 'must be an object like {"contains": "pong"} or {"matches": "^ok"}' },
    )
    .refine((e) => (e.contains === undefined) !== (e.matches === undefined), {
      message: 'must give exactly one of contains or matches',
    })
    .optional(),
  timeout_ms: timeoutField,
});

export type WebsocketTarget = z.output<typeof websocketTargetSchema>;

/**
 * The view of a target that is safe to return: URL password and query values, header values
 * and the message sent (which may carry a token) masked.
 */
export function maskWebsocketTarget(target: WebsocketTarget): WebsocketTarget {
  const url = new URL(target.url);
  if (url.password) url.password = '****';
  const query = new URLSearchParams();
  for (const [name, value] of url.searchParams) query.append(name, value === '' ? '' : '****');
  url.search = query.toString();
  const headers = Object.fromEntries(
    Object.entries(target.headers).map(([k, v]) => [k, maskSecret(v)]),
  );
  return {
    ...target,
    url: url.toString(),
    headers,
    ...(target.send === undefined ? {} : { send: maskSecret(target.send) }),
  };
}

/** `websocket wss://stream.example.com/feed`: no credentials, no query (it may hold a token). */
export function describeWebsocketTarget(target: WebsocketTarget): string {
  const url = new URL(target.url);
  url.username = '';
  url.password = '';
  url.search = '';
  return `websocket ${url.toString()}`;
}
