import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { escapeHtml, render } from '../i18n';
import { parseRetryAfter } from './http';
import { channelSenders, closeChannels, createChannelTransports, sendToChannel } from './index';
import type { AlertMessage, ChannelContext, SendOutcome } from './types';
import { verifyWebhook } from './webhook';
import {
  alertMessage,
  expiredMessage,
  expiringMessage,
  flappingMessage,
  multiRegionMessage,
  recoveryMessage,
  reminderMessage,
  singleRegionMessage,
  stableMessage,
  testMessage,
  THREE_REGIONS,
} from '../../test/fixtures';

// ---- one local HTTP server playing every peer ---------------------------------------------

interface Call {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** never answer */
  hang?: boolean;
  /** answer with everything the request carried, path first */
  echo?: boolean;
}

const calls: Call[] = [];
/** What the server answers, by path prefix; the default is 200 "ok". */
const replies = new Map<string, Reply>();
const httpServer = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = req.url ?? '';
    calls.push({
      method: req.method ?? '',
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    const reply = [...replies.entries()].find(([prefix]) => path.startsWith(prefix))?.[1] ?? {
      status: 200,
      body: 'ok',
    };
    if (reply.hang === true) return;
    res.writeHead(reply.status, reply.headers ?? {});
    const echo = `you sent ${path} ${JSON.stringify(req.headers)} ${Buffer.concat(chunks).toString()}`;
    res.end(reply.echo === true ? echo : (reply.body ?? ''));
  });
});
let base = '';

// ---- one local SMTP server ----------------------------------------------------------------

interface Mail {
  from: string;
  to: string[];
  raw: string;
}
const mails: Mail[] = [];
/** When set, RCPT TO is refused with this SMTP reply code. */
let rcptReply: number | null = null;
const smtpServer = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  allowInsecureAuth: true,
  authOptional: true,
  logger: false,
  onAuth(auth, _session, callback) {
    if (auth.username === 'alerts' && auth.password === 'smtp-p4ss-w0rd') {
      callback(null, { user: 'alerts' });
    } else {
      callback(new Error('Invalid username or password'));
    }
  },
  onRcptTo(_address, _session, callback) {
    if (rcptReply === null) return callback();
    const error = Object.assign(new Error(rcptReply < 500 ? 'try later' : 'no such user'), {
      responseCode: rcptReply,
    });
    callback(error);
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      mails.push({
        from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      callback();
    });
  },
});
let smtpPort = 0;

/** One set of pooled connections for the whole file, as a process has. */
const transports = createChannelTransports();

function ctx(overrides: Partial<ChannelContext> = {}): ChannelContext {
  return {
    transports,
    timeoutMs: 2_000,
    targetAccess: 'all',
    telegramApiBase: `${base}/tg`,
    smtp: {
      url: `smtp://alerts:smtp-p4ss-w0rd@127.0.0.1:${smtpPort}`,
      from: 'Lighthouse <alerts@lighthouse.test>',
    },
    ...overrides,
  };
}

beforeAll(async () => {
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  base = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  smtpServer.listen(0, '127.0.0.1');
  await once(smtpServer.server, 'listening');
  smtpPort = (smtpServer.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await closeChannels({ transports });
  httpServer.closeAllConnections();
  httpServer.close();
  await new Promise<void>((resolve) => smtpServer.close(() => resolve()));
});

beforeEach(() => {
  calls.length = 0;
  mails.length = 0;
  replies.clear();
  rcptReply = null;
});

// ---- fixtures ------------------------------------------------------------------------------

const WEBHOOK_SECRET = 'whsec-0123456789abcdef';
const WEBHOOK_PATH = '/hooks/c2VjcmV0LXBhdGgtdG9rZW4';
const DISCORD_PATH = '/api/webhooks/1234567890/discord-token-AbCdEfGhIjKlMnOp';
const SLACK_PATH = '/services/T000/B000/slackSecretXXXXXXXXXXXX';
const BOT_TOKEN = '123456789:AAEhBOweik6ad-TOKEN-abcdefghijklmnop';

/** The fixtures' messages, named with characters that must be escaped. */
const message = (overrides: Partial<AlertMessage> = {}): AlertMessage =>
  alertMessage({
    event_id: '0d4d3a2e-1111-4000-8000-000000000001',
    subscription_id: '0d4d3a2e-1111-4000-8000-0000000000aa',
    name: 'Checkout <API>',
    ...overrides,
  });
const recovery = (language: AlertMessage['language'] = 'en'): AlertMessage =>
  recoveryMessage(language, {
    event_id: '0d4d3a2e-1111-4000-8000-000000000001',
    subscription_id: '0d4d3a2e-1111-4000-8000-0000000000aa',
    name: 'Checkout <API>',
  });

const named = (m: AlertMessage): AlertMessage => ({
  ...m,
  event_id: '0d4d3a2e-1111-4000-8000-000000000001',
  subscription_id: '0d4d3a2e-1111-4000-8000-0000000000aa',
  name: 'Checkout <API>',
});

const RED = 0xe74c3c;
const GREEN = 0x2ecc71;
const AMBER = 0xf39c12;
const PURPLE = 0x9b59b6;
const BLUE = 0x3498db;

/**
 * Reminders, flapping, stable and test alerts in each language, with what every channel must
 * show: the title, the notice under it (if any), the state line and the line only that kind has.
 */
const KINDS: Array<{
  kind: 'reminder' | 'flapping' | 'stable' | 'test';
  language: AlertMessage['language'];
  message: AlertMessage;
  title: string;
  notice: string | null;
  state: { label: string; value: string };
  extra: { label: string; value: string } | null;
  colour: number;
}> = [
  {
    kind: 'reminder',
    language: 'en',
    message: named(reminderMessage('en')),
    title: '🔴 Checkout <API> is still DOWN',
    notice: null,
    state: { label: 'State', value: 'down' },
    extra: { label: 'Down for', value: '1 h 5 min' },
    colour: RED,
  },
  {
    kind: 'reminder',
    language: 'es',
    message: named(reminderMessage('es')),
    title: '🔴 Checkout <API> sigue CAÍDO',
    notice: null,
    state: { label: 'Estado', value: 'caído' },
    extra: { label: 'Lleva caído', value: '1 h 5 min' },
    colour: RED,
  },
  {
    kind: 'flapping',
    language: 'en',
    message: named(flappingMessage('en')),
    title: '🟣 Checkout <API> is FLAPPING',
    notice: '5 state changes in 30 min. Further alerts are held until it is stable.',
    state: { label: 'State', value: 'up → down' },
    extra: { label: 'Flapping', value: '5 state changes in 30 min' },
    colour: PURPLE,
  },
  {
    kind: 'flapping',
    language: 'es',
    message: named(flappingMessage('es')),
    title: '🟣 Checkout <API> está INESTABLE',
    notice:
      '5 cambios de estado en 30 min. Las próximas alertas quedan en espera hasta que se estabilice.',
    state: { label: 'Estado', value: 'operativo → caído' },
    extra: { label: 'Inestabilidad', value: '5 cambios de estado en 30 min' },
    colour: PURPLE,
  },
  {
    kind: 'stable',
    language: 'en',
    message: named(stableMessage('en')),
    title: '🟢 Checkout <API> is stable again (up)',
    notice: 'Alerts resume.',
    state: { label: 'State', value: 'up' },
    extra: null,
    colour: GREEN,
  },
  {
    kind: 'stable',
    language: 'es',
    message: named(stableMessage('es')),
    title: '🟢 Checkout <API> vuelve a estar estable (operativo)',
    notice: 'Se reanudan las alertas.',
    state: { label: 'Estado', value: 'operativo' },
    extra: null,
    colour: GREEN,
  },
  {
    kind: 'test',
    language: 'en',
    message: named(testMessage('en')),
    title: '🧪 Test alert for Checkout <API>',
    notice: 'This is a test alert sent from Lighthouse to check this channel. Nothing has changed.',
    state: { label: 'State', value: 'up' },
    extra: null,
    colour: BLUE,
  },
  {
    kind: 'test',
    language: 'es',
    message: named(testMessage('es')),
    title: '🧪 Alerta de prueba para Checkout <API>',
    notice:
      'Esta es una alerta de prueba enviada por Lighthouse para comprobar este canal. No ha cambiado nada.',
    state: { label: 'Estado', value: 'operativo' },
    extra: null,
    colour: BLUE,
  },
];

function send(
  type: keyof typeof channelSenders,
  config: unknown,
  m: AlertMessage = message(),
  c: ChannelContext = ctx(),
): Promise<SendOutcome> {
  return sendToChannel(type, config, m, render(m), c);
}

const configs = () => ({
  webhook: { url: `${base}${WEBHOOK_PATH}`, secret: WEBHOOK_SECRET },
  discord: { webhook_url: `${base}${DISCORD_PATH}` },
  slack: { webhook_url: `${base}${SLACK_PATH}` },
  telegram: { bot_token: BOT_TOKEN, chat_id: -1001234567 },
  email: { to: ['ops@example.com', 'cto@example.com'] },
});

function lastCall(): Call {
  const call = calls.at(-1);
  if (call === undefined) throw new Error('no call recorded');
  return call;
}

function json(call: Call): Record<string, unknown> {
  return JSON.parse(call.body) as Record<string, unknown>;
}

/** Minimal MIME decoding for assertions: quoted-printable bodies. */
function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/(?:=[0-9A-F]{2})+/g, (m) => Buffer.from(m.replace(/=/g, ''), 'hex').toString('utf8'));
}

/** The Subject header, with its RFC 2047 encoded words decoded. */
function subjectOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const line = head
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)
    .find((l) => l.startsWith('Subject: '));
  const words = /=\?UTF-8\?([QB])\?(.*?)\?=/gi;
  const bytes: Buffer[] = [];
  for (const [, enc, text = ''] of (line ?? '').matchAll(words)) {
    bytes.push(
      enc?.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ),
    );
  }
  return bytes.length === 0
    ? (line ?? '').slice('Subject: '.length)
    : Buffer.concat(bytes).toString('utf8');
}

// ---- payloads ------------------------------------------------------------------------------

/** What a receiver checks: the signature over `<timestamp>.<raw body>`, the timestamp fresh. */
function verified(call: { body: string; headers: Record<string, unknown> }): boolean {
  return verifyWebhook({
    rawBody: call.body,
    timestamp: call.headers['x-lighthouse-timestamp'] as string | undefined,
    signature: call.headers['x-lighthouse-signature'] as string | undefined,
    secret: WEBHOOK_SECRET,
  });
}

describe('webhook', () => {
  it('signs the timestamp with the body, so a captured delivery cannot be replayed later', async () => {
    await send('webhook', configs().webhook, message());
    const call = lastCall();
    const rawBody = call.body;
    const timestamp = String(call.headers['x-lighthouse-timestamp']);
    const signature = String(call.headers['x-lighthouse-signature']);
    const secret = WEBHOOK_SECRET;
    expect(verifyWebhook({ rawBody, timestamp, signature, secret })).toBe(true);
    // replayed ten minutes later: too old
    const later = Date.now() + 600_000;
    expect(verifyWebhook({ rawBody, timestamp, signature, secret, now: later })).toBe(false);
    // a fresh timestamp put on the old signature does not verify
    const fresh = String(Math.floor(later / 1000));
    expect(verifyWebhook({ rawBody, timestamp: fresh, signature, secret, now: later })).toBe(false);
    // nor does a changed body, another secret, or a missing header
    expect(verifyWebhook({ rawBody: `${rawBody} `, timestamp, signature, secret })).toBe(false);
    expect(verifyWebhook({ rawBody, timestamp, signature, secret: 'another-secret-1234' })).toBe(
      false,
    );
    expect(verifyWebhook({ rawBody, timestamp: undefined, signature, secret })).toBe(false);
    // the body-only signature of before is no longer what is sent
    const bodyOnly = createHmac('sha256', WEBHOOK_SECRET).update(rawBody).digest('hex');
    expect(signature).not.toBe(`sha256=${bodyOnly}`);
  });

  it('posts the DESIGN payload with event id and a signature over the raw body', async () => {
    const m = message();
    const outcome = await send('webhook', configs().webhook, m);
    expect(outcome).toEqual({ ok: true, detail: '200' });
    const call = lastCall();
    expect(call.method).toBe('POST');
    expect(call.path).toBe(WEBHOOK_PATH);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['user-agent']).toBe('Lighthouse-Alerter');
    expect(call.headers['x-lighthouse-event-id']).toBe(m.event_id);
    // the signature covers the timestamp and the raw body
    const timestamp = String(call.headers['x-lighthouse-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(10);
    const expected = createHmac('sha256', WEBHOOK_SECRET)
      .update(`${timestamp}.${call.body}`)
      .digest('hex');
    expect(call.headers['x-lighthouse-signature']).toBe(`sha256=${expected}`);
    expect(json(call)).toEqual({
      event_id: m.event_id,
      event: 'subscription.down',
      subscription_id: m.subscription_id,
      name: 'Checkout <API>',
      target: 'GET https://shop.example.com/health',
      from_state: 'up',
      to_state: 'down',
      check: {
        time: '2024-05-01T12:03:20.000Z',
        status: 'down',
        http_status: 503,
        response_time_ms: 87,
        error: 'expected status 2xx, got 503',
      },
      regions: [],
      message: render(m).text,
      language: 'en',
      kind: 'transition',
    });
  });

  it('carries Spanish text for an es message', async () => {
    await send('webhook', configs().webhook, message({ language: 'es' }));
    const body = json(lastCall());
    expect(body.language).toBe('es');
    expect(body.message).toContain('está CAÍDO');
    expect(body).not.toHaveProperty('test');
  });

  it('marks test alerts: event subscription.test, kind test, test true, and says so', async () => {
    await send('webhook', configs().webhook, named(testMessage('es')));
    const body = json(lastCall());
    expect(body).toMatchObject({
      event: 'subscription.test',
      kind: 'test',
      test: true,
      from_state: 'up',
      to_state: 'up',
    });
    expect(String(body.message).split('\n').slice(0, 2)).toEqual([
      '🧪 Alerta de prueba para Checkout <API>',
      'Esta es una alerta de prueba enviada por Lighthouse para comprobar este canal. No ha cambiado nada.',
    ]);
  });

  it.each(KINDS)(
    '$kind ($language): the DESIGN fields unchanged, plus kind, flapping and test',
    async ({ kind, language, message: m, title, notice }) => {
      expect((await send('webhook', configs().webhook, m)).ok).toBe(true);
      const call = lastCall();
      expect(verified(call)).toBe(true);
      const body = json(call);
      expect(body).toEqual({
        event_id: m.event_id,
        event: `subscription.${kind}`,
        subscription_id: m.subscription_id,
        name: 'Checkout <API>',
        target: 'GET https://shop.example.com/health',
        from_state: m.from_state,
        to_state: m.to_state,
        check: {
          time: m.check.time,
          status: m.check.status,
          http_status: m.check.http_status,
          response_time_ms: m.check.response_time_ms,
          error: m.check.error,
        },
        regions: [],
        message: render(m).text,
        language,
        kind,
        ...(kind === 'flapping' ? { flapping: { transitions: 5, window_minutes: 30 } } : {}),
        ...(kind === 'test' ? { test: true } : {}),
      });
      const lines = String(body.message).split('\n');
      expect(lines[0]).toBe(title);
      expect(lines[1]).toBe(notice ?? '');
    },
  );

  it('carries flapping counts only on flapping messages', async () => {
    const flapping = { transitions: 6, window_minutes: 60 };
    await send('webhook', configs().webhook, named(stableMessage('en', { flapping })));
    expect(json(lastCall())).not.toHaveProperty('flapping');
    await send('webhook', configs().webhook, named(flappingMessage('en', { flapping })));
    expect(json(lastCall()).flapping).toEqual(flapping);
  });
});

/** The fixtures' names as Discord gets them: `<` and `>` backslash-escaped. */
const md = (text: string): string => text.replace(/[<>]/g, '\\$&');

describe('discord', () => {
  it('escapes Markdown in text from outside: no planted link, formatting or mention', async () => {
    const error =
      'see [x](https://evil.example) **now** `code` ~~old~~ ||hidden|| @everyone <@123> _it_\n' +
      '# big\n> quoted\n- item\n1. first';
    const m = message({
      name: '**Shop** [home](https://evil.example)',
      target: 'GET https://shop.example.com/a_b?q=*',
      check: { ...message().check, error },
    });
    expect((await send('discord', configs().discord, m)).ok).toBe(true);
    const body = json(lastCall());
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const [embed] = body.embeds as Array<{
      title: string;
      description: string;
      fields: { name: string; value: string }[];
    }>;
    expect(embed?.title).toBe('🔴 \\*\\*Shop\\*\\* \\[home\\](https://evil.example) is DOWN');
    expect(embed?.description.split('\n')).toContain(
      '**Subscription:** \\*\\*Shop\\*\\* \\[home\\](https://evil.example)',
    );
    expect(embed?.fields).toEqual([
      // a URL is shown as written: Discord reads no Markdown inside it
      { name: 'Target', value: 'GET https://shop.example.com/a_b?q=*', inline: false },
      {
        name: 'Error',
        value:
          'unexpected status: see \\[x\\](https://evil.example) \\*\\*now\\*\\* \\`code\\` ' +
          '\\~\\~old\\~\\~ \\|\\|hidden\\|\\| \\@everyone \\<\\@123\\> \\_it\\_\n' +
          '\\# big\n\\> quoted\n\\- item\n1\\. first',
        inline: false,
      },
    ]);
    // nowhere a [text](url) that Discord would turn into a link
    for (const text of [
      embed?.title,
      embed?.description,
      ...(embed?.fields ?? []).map((f) => f.value),
    ])
      expect(text).not.toMatch(/(^|[^\\])\[[^\]]*\]\(/);
  });

  it('posts one embed coloured by state, with no mentions parsed', async () => {
    expect((await send('discord', configs().discord)).ok).toBe(true);
    const body = json(lastCall());
    expect(lastCall().path).toBe(DISCORD_PATH);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const [embed] = body.embeds as Array<Record<string, unknown>>;
    expect(body.embeds).toHaveLength(1);
    expect(embed).toMatchObject({
      title: '🔴 Checkout \\<API\\> is DOWN',
      color: 0xe74c3c,
      timestamp: '2024-05-01T12:03:20.000Z',
    });
    expect(embed?.fields).toEqual([
      { name: 'Target', value: 'GET https://shop.example.com/health', inline: false },
      { name: 'Error', value: 'unexpected status: expected status 2xx, got 503', inline: false },
    ]);

    await send('discord', configs().discord, recovery());
    const [up] = json(lastCall()).embeds as Array<Record<string, unknown>>;
    expect(up?.color).toBe(0x2ecc71);
    expect(up?.fields).toContainEqual({ name: 'Downtime', value: '3 min 20 s', inline: true });

    await send('discord', configs().discord, message({ to_state: 'degraded' }));
    const [degraded] = json(lastCall()).embeds as Array<Record<string, unknown>>;
    expect(degraded?.color).toBe(0xf39c12);
  });

  it.each(KINDS)(
    '$kind ($language): title, colour, notice and lines in the embed',
    async ({ kind, message: m, title, notice, state, extra, colour }) => {
      expect((await send('discord', configs().discord, m)).ok).toBe(true);
      const [embed] = json(lastCall()).embeds as Array<Record<string, unknown>>;
      expect(embed).toMatchObject({ title: md(title), color: colour, timestamp: m.check.time });
      const description = String(embed?.description).split('\n');
      if (notice !== null) expect(description[0]).toBe(`*${md(notice)}*`);
      else expect(description[0]).not.toMatch(/^\*[^*]/);
      expect(description).toContain(`**${state.label}:** ${state.value}`);
      if (kind === 'reminder') {
        expect(embed?.fields).toContainEqual({
          name: extra?.label,
          value: extra?.value,
          inline: true,
        });
      } else if (extra !== null) {
        expect(description).toContain(`**${extra.label}:** ${extra.value}`);
      }
    },
  );

  it('colours stable by the state it settled in, and flapping purple whatever the state', async () => {
    const colourOf = async (m: AlertMessage): Promise<unknown> => {
      await send('discord', configs().discord, m);
      return (json(lastCall()).embeds as Array<Record<string, unknown>>)[0]?.color;
    };
    expect(await colourOf(stableMessage('en', { from_state: 'down', to_state: 'down' }))).toBe(RED);
    expect(
      await colourOf(stableMessage('en', { from_state: 'degraded', to_state: 'degraded' })),
    ).toBe(AMBER);
    expect(await colourOf(flappingMessage('en', { from_state: 'down', to_state: 'up' }))).toBe(
      PURPLE,
    );
  });
});

describe('slack', () => {
  it('posts a text fallback and header + section blocks', async () => {
    expect((await send('slack', configs().slack, recovery('es'))).ok).toBe(true);
    const body = json(lastCall());
    expect(lastCall().path).toBe(SLACK_PATH);
    expect(body.text).toContain('Checkout &lt;API&gt; vuelve a estar OPERATIVO');
    const blocks = body.blocks as Array<Record<string, unknown>>;
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🟢 Checkout <API> vuelve a estar OPERATIVO', emoji: true },
    });
    expect(blocks[1]?.type).toBe('section');
    expect(blocks[1]?.fields).toContainEqual({
      type: 'mrkdwn',
      text: '*Tiempo caído*\n3 min 20 s',
    });
  });

  it.each(KINDS)(
    '$kind ($language): header, notice as context, lines as fields',
    async ({ message: m, title, notice, state, extra }) => {
      expect((await send('slack', configs().slack, m)).ok).toBe(true);
      const body = json(lastCall());
      const esc = (t: string): string => t.replace(/</g, '&lt;').replace(/>/g, '&gt;');
      expect(String(body.text).split('\n')[0]).toBe(esc(title));
      const blocks = body.blocks as Array<Record<string, unknown>>;
      expect(blocks[0]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: title, emoji: true },
      });
      const contexts = blocks.filter((b) => b.type === 'context');
      expect(contexts).toEqual(
        notice === null
          ? []
          : [{ type: 'context', elements: [{ type: 'mrkdwn', text: `_${notice}_` }] }],
      );
      const section = blocks.at(-1);
      expect(section?.type).toBe('section');
      expect(section?.fields).toContainEqual({
        type: 'mrkdwn',
        text: `*${state.label}*\n${state.value}`,
      });
      if (extra !== null) {
        expect(section?.fields).toContainEqual({
          type: 'mrkdwn',
          text: `*${extra.label}*\n${extra.value}`,
        });
      }
    },
  );
});

describe('telegram', () => {
  it('calls sendMessage with HTML text and no link previews', async () => {
    expect((await send('telegram', configs().telegram)).ok).toBe(true);
    const call = lastCall();
    expect(call.path).toBe(`/tg/bot${BOT_TOKEN}/sendMessage`);
    const body = json(call);
    expect(body).toMatchObject({
      chat_id: -1001234567,
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    });
    expect(body.text).toMatch(/^<b>🔴 Checkout &lt;API&gt; is DOWN<\/b>\n/);
    expect(body.text).not.toContain('<API>');
  });

  it.each(KINDS)(
    '$kind ($language): bold title, then the notice and the lines as escaped text',
    async ({ message: m, title, notice, state, extra }) => {
      expect((await send('telegram', configs().telegram, m)).ok).toBe(true);
      const lines = String(json(lastCall()).text).split('\n');
      expect(lines[0]).toBe(`<b>${escapeHtml(title)}</b>`);
      expect(lines[1]).toBe(notice === null ? '' : escapeHtml(notice));
      expect(lines).toContain(`${state.label}: ${escapeHtml(state.value)}`);
      if (extra !== null) expect(lines).toContain(`${extra.label}: ${extra.value}`);
    },
  );

  it('takes retry_after from a 429 body', async () => {
    replies.set('/tg/', {
      status: 429,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 7',
        parameters: { retry_after: 7 },
      }),
    });
    const outcome = await send('telegram', configs().telegram);
    expect(outcome).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7_000 });
  });

  it('never shows the token, even when the API echoes it', async () => {
    replies.set('/tg/', {
      status: 401,
      body: JSON.stringify({ ok: false, description: `Unauthorized bot${BOT_TOKEN}` }),
    });
    const outcome = await send('telegram', configs().telegram);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(JSON.stringify(outcome)).not.toContain(BOT_TOKEN);
    expect(JSON.stringify(outcome)).not.toContain(BOT_TOKEN.split(':')[1]);
  });
});

describe('email', () => {
  it('sends text and HTML parts with the event id header', async () => {
    const m = message({ language: 'es' });
    const outcome = await send('email', configs().email, m);
    expect(outcome.ok).toBe(true);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.from).toBe('alerts@lighthouse.test');
    expect(mail.to).toEqual(['ops@example.com', 'cto@example.com']);
    const decoded = decodeQuotedPrintable(mail.raw);
    expect(decoded).toMatch(/^X-Lighthouse-Event-Id: 0d4d3a2e-1111-4000-8000-000000000001\r?$/im);
    expect(subjectOf(mail.raw)).toBe('🔴 Checkout <API> está CAÍDO');
    expect(mail.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail.raw).toMatch(/Content-Type: text\/html/);
    expect(decoded).toContain('Objetivo: GET https://shop.example.com/health');
    expect(decoded).toContain('Checkout &lt;API&gt;');
  });

  it.each(KINDS)(
    '$kind ($language): subject, text and HTML parts',
    async ({ message: m, title, notice, state, extra }) => {
      expect((await send('email', configs().email, m)).ok).toBe(true);
      expect(mails).toHaveLength(1);
      const raw = mails[0]!.raw;
      expect(subjectOf(raw)).toBe(title);
      const decoded = decodeQuotedPrintable(raw);
      // the text part
      expect(decoded).toContain(`${state.label}: ${state.value}\n`.replace('\n', '\r\n'));
      if (extra !== null) expect(decoded).toContain(`${extra.label}: ${extra.value}`);
      // the HTML part
      expect(decoded).toContain(`<p><strong>${escapeHtml(title)}</strong></p>`);
      expect(decoded).toContain(`<strong>${escapeHtml(state.label)}:</strong> ${state.value}`);
      if (notice !== null) {
        expect(decoded).toContain(`${title}\r\n${notice}\r\n`);
        expect(decoded).toContain(`<p><em>${escapeHtml(notice)}</em></p>`);
      } else {
        expect(decoded).not.toContain('<em>');
      }
    },
  );

  it('treats SMTP 4xx as retryable and 5xx as permanent', async () => {
    rcptReply = 451;
    expect(await send('email', configs().email)).toMatchObject({ ok: false, retryable: true });
    rcptReply = 550;
    expect(await send('email', configs().email)).toMatchObject({ ok: false, retryable: false });
  });

  it('retries connection failures and keeps SMTP credentials out of errors', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const url = `smtp://alerts:smtp-p4ss-w0rd@127.0.0.1:${port}`;
    const outcome = await send(
      'email',
      configs().email,
      message(),
      ctx({ smtp: { url, from: 'a@b.c' } }),
    );
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(outcome)).not.toContain('smtp-p4ss-w0rd');
  });

  it('refuses clearly when no SMTP server is configured', async () => {
    const outcome = await send(
      'email',
      configs().email,
      message(),
      ctx({ smtp: { url: null, from: 'a@b.c' } }),
    );
    expect(outcome).toEqual({
      ok: false,
      retryable: false,
      error: expect.stringMatching(/SMTP/) as string,
    });
  });
});

// ---- regions -------------------------------------------------------------------------------

describe('regions', () => {
  /** Three regions, two down, in each language: the line every channel must show. */
  const FAILED: Array<{ language: AlertMessage['language']; label: string; value: string }> = [
    {
      language: 'en',
      label: 'Failed in 2 of 3 regions',
      value: 'eu-west (connection refused), us-east (timeout)',
    },
    {
      language: 'es',
      label: 'Falló en 2 de 3 regiones',
      value: 'eu-west (connection refused), us-east (timeout)',
    },
  ];

  /** What each channel put on the wire for one message: JSON bodies, or the decoded mail. */
  async function sendEverywhere(m: AlertMessage) {
    const bodies: Record<'webhook' | 'discord' | 'slack' | 'telegram', Record<string, unknown>> = {
      webhook: {},
      discord: {},
      slack: {},
      telegram: {},
    };
    for (const type of ['webhook', 'discord', 'slack', 'telegram'] as const) {
      expect((await send(type, configs()[type], m)).ok).toBe(true);
      if (type === 'webhook') expect(verified(lastCall())).toBe(true);
      bodies[type] = json(lastCall());
    }
    expect((await send('email', configs().email, m)).ok).toBe(true);
    const raw = mails.at(-1)?.raw ?? '';
    return { ...bodies, email: decodeQuotedPrintable(raw) };
  }

  it.each(FAILED)(
    '$language: all five channels name both failed regions and their errors',
    async ({ language, label, value }) => {
      const line = `${label}: ${value}`;
      const out = await sendEverywhere(named(multiRegionMessage(language)));

      expect(out.webhook.regions).toEqual(THREE_REGIONS);
      expect(String(out.webhook.message).split('\n')).toContain(line);

      const [embed] = out.discord.embeds as Array<Record<string, unknown>>;
      expect(embed?.fields).toContainEqual({ name: label, value, inline: false });

      expect(String(out.slack.text).split('\n')).toContain(line);
      const section = (out.slack.blocks as Array<Record<string, unknown>>).at(-1);
      expect(section?.fields).toContainEqual({ type: 'mrkdwn', text: `*${label}*\n${value}` });

      expect(String(out.telegram.text).split('\n')).toContain(line);

      expect(out.email).toContain(`\r\n${line}\r\n`);
      expect(out.email).toContain(`<strong>${label}:</strong> ${value}<br>`);
    },
  );

  it.each(['en', 'es'] as const)(
    '%s: with one region no channel says anything of regions; the webhook carries it',
    async (language) => {
      const single = await sendEverywhere(named(singleRegionMessage(language)));
      const none = await sendEverywhere(named(alertMessage({ language })));
      // what a self-hoster with one region sees is what was sent before regions existed
      expect(single.discord).toEqual(none.discord);
      expect(single.slack).toEqual(none.slack);
      expect(single.telegram).toEqual(none.telegram);
      expect(single.webhook.regions).toEqual([
        { region: 'eu-west', status: 'down', error: 'connection refused', response_time_ms: null },
      ]);
      expect(none.webhook.regions).toEqual([]);
      expect({ ...single.webhook, regions: [] }).toEqual(none.webhook);
      for (const text of [
        JSON.stringify(single.discord),
        JSON.stringify(single.slack),
        JSON.stringify(single.telegram),
        String(single.webhook.message),
        single.email,
      ]) {
        expect(text).not.toMatch(/regi[oó]n|eu-west|failed in|falló en/i);
      }
    },
  );

  it('escapes region names and errors as each channel escapes errors', async () => {
    const m = named(
      alertMessage({
        regions: [
          {
            region: 'eu_west',
            status: 'down',
            error: '**now** [x](https://evil.example) <b>bad</b> & @everyone',
            response_time_ms: null,
          },
          { region: 'us-east', status: 'degraded', error: null, response_time_ms: 2_400 },
        ],
      }),
    );
    const label = 'Failed in 2 of 2 regions';
    const out = await sendEverywhere(m);

    const [embed] = out.discord.embeds as Array<Record<string, unknown>>;
    expect(embed?.fields).toContainEqual({
      name: label,
      value:
        'eu\\_west (\\*\\*now\\*\\* \\[x\\](https://evil.example) \\<b\\>bad\\</b\\> & \\@everyone), ' +
        'us-east (degraded)',
      inline: false,
    });

    const section = (out.slack.blocks as Array<Record<string, unknown>>).at(-1);
    expect(section?.fields).toContainEqual({
      type: 'mrkdwn',
      text:
        `*${label}*\neu_west (**now** [x](https://evil.example) &lt;b&gt;bad&lt;/b&gt; &amp; @everyone), ` +
        'us-east (degraded)',
    });

    const escaped =
      'eu_west (**now** [x](https://evil.example) &lt;b&gt;bad&lt;/b&gt; &amp; @everyone), us-east (degraded)';
    expect(String(out.telegram.text).split('\n')).toContain(`${label}: ${escaped}`);
    const htmlPart = out.email.split('Content-Type: text/html')[1] ?? '';
    expect(htmlPart).toContain(`<strong>${label}:</strong> ${escaped}<br>`);
    expect(htmlPart).not.toContain('<b>bad');

    // the webhook carries the data as it is, in JSON
    expect(out.webhook.regions).toEqual(m.regions);
  });
});

// ---- expiry notices ------------------------------------------------------------------------

describe('expiry notices', () => {
  /** Ahead of the end and after it, in each language, with the first two lines every channel shows. */
  const NOTICES: Array<{
    name: string;
    message: AlertMessage;
    event: string;
    days: number;
    title: string;
    notice: string;
    colour: number;
  }> = [
    {
      name: '3 days ahead (en)',
      message: named(expiringMessage('en')),
      event: 'subscription.expiring',
      days: 3,
      title: '⏳ Checkout <API> expires in 3 days',
      notice:
        'Checkout <API> (pro tier) expires in 3 days, on 4 May 2024, 12:00 UTC; renew it to keep it checked.',
      colour: AMBER,
    },
    {
      name: '3 days ahead (es)',
      message: named(expiringMessage('es')),
      event: 'subscription.expiring',
      days: 3,
      title: '⏳ Checkout <API> caduca en 3 días',
      notice:
        'Checkout <API> (plan pro) caduca en 3 días, el 4 de mayo de 2024, 12:00 UTC; renueva la suscripción para que se siga comprobando.',
      colour: AMBER,
    },
    {
      name: 'expired (en)',
      message: named(expiredMessage('en')),
      event: 'subscription.expired',
      days: 0,
      title: '⌛ Checkout <API> has EXPIRED',
      notice:
        'Checkout <API> (pro tier) expired on 4 May 2024, 12:00 UTC; it is no longer checked until it is renewed.',
      colour: RED,
    },
    {
      name: 'expired (es)',
      message: named(expiredMessage('es')),
      event: 'subscription.expired',
      days: 0,
      title: '⌛ Checkout <API> ha CADUCADO',
      notice:
        'Checkout <API> (plan pro) caducó el 4 de mayo de 2024, 12:00 UTC; no se comprueba hasta que se renueve.',
      colour: RED,
    },
  ];

  it.each(NOTICES)(
    'webhook, $name: the DESIGN fields, kind expiring, expires_at, days_left and tier',
    async ({ message: m, event, days, title, notice }) => {
      expect((await send('webhook', configs().webhook, m)).ok).toBe(true);
      const call = lastCall();
      expect(verified(call)).toBe(true);
      const body = json(call);
      expect(body).toEqual({
        event_id: m.event_id,
        event,
        subscription_id: m.subscription_id,
        name: 'Checkout <API>',
        target: 'GET https://shop.example.com/health',
        from_state: 'up',
        to_state: 'up',
        check: {
          time: m.check.time,
          status: 'up',
          http_status: null,
          response_time_ms: null,
          error: null,
        },
        regions: [],
        message: render(m).text,
        language: m.language,
        kind: 'expiring',
        expires_at: '2024-05-04T12:00:00.000Z',
        days_left: days,
        tier: 'pro',
      });
      expect(String(body.message).split('\n').slice(0, 2)).toEqual([title, notice]);
    },
  );

  it.each(NOTICES)(
    'discord, slack, telegram and email, $name: title and notice',
    async ({ message: m, title, notice, colour }) => {
      await send('discord', configs().discord, m);
      const [embed] = json(lastCall()).embeds as Array<Record<string, unknown>>;
      expect(embed).toMatchObject({ title: md(title), color: colour });
      expect(String(embed?.description).split('\n')[0]).toBe(`*${md(notice)}*`);

      await send('slack', configs().slack, m);
      const blocks = json(lastCall()).blocks as Array<Record<string, unknown>>;
      expect(blocks[0]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: title, emoji: true },
      });
      const esc = (t: string): string => t.replace(/</g, '&lt;').replace(/>/g, '&gt;');
      expect(blocks[1]).toEqual({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `_${esc(notice)}_` }],
      });

      await send('telegram', configs().telegram, m);
      const lines = String(json(lastCall()).text).split('\n');
      expect(lines.slice(0, 2)).toEqual([`<b>${escapeHtml(title)}</b>`, escapeHtml(notice)]);

      expect((await send('email', configs().email, m)).ok).toBe(true);
      const raw = mails.at(-1)?.raw ?? '';
      expect(subjectOf(raw)).toBe(title);
      expect(decodeQuotedPrintable(raw)).toContain(`<p><em>${escapeHtml(notice)}</em></p>`);
    },
  );

  it('leaves expiry fields out of other kinds', async () => {
    const expiry = { expires_at: '2024-05-04T12:00:00.000Z', days_left: 3, tier: 'pro' };
    await send('webhook', configs().webhook, message({ expiry }));
    const body = json(lastCall());
    for (const key of ['expires_at', 'days_left', 'tier']) expect(body).not.toHaveProperty(key);
  });
});

// ---- outcomes ------------------------------------------------------------------------------

describe('outcomes', () => {
  it('500 is retryable, 400 is not, 3xx is not followed', async () => {
    replies.set('/hooks/', { status: 500, body: 'boom' });
    expect(await send('webhook', configs().webhook)).toMatchObject({ ok: false, retryable: true });
    replies.set('/hooks/', { status: 400, body: 'bad' });
    expect(await send('webhook', configs().webhook)).toMatchObject({ ok: false, retryable: false });
    replies.set('/hooks/', { status: 302, headers: { location: `${base}/elsewhere` } });
    const outcome = await send('webhook', configs().webhook);
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(calls.some((c) => c.path === '/elsewhere')).toBe(false);
  });

  it('429 with Retry-After: 2 is retryable after 2000 ms', async () => {
    replies.set('/api/webhooks/', { status: 429, headers: { 'retry-after': '2' } });
    expect(await send('discord', configs().discord)).toMatchObject({
      ok: false,
      retryable: true,
      retryAfterMs: 2_000,
    });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('a peer that does not answer in time is retryable', async () => {
    replies.set('/services/', { status: 200, hang: true });
    const outcome = await send('slack', configs().slack, message(), ctx({ timeoutMs: 200 }));
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.ok === false && outcome.error).toMatch(/did not answer within 200 ms/);
  });

  it('a refused connection is retryable', async () => {
    const outcome = await send('webhook', {
      url: 'http://127.0.0.1:1/hook-path-that-is-secret',
      secret: WEBHOOK_SECRET,
    });
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(outcome)).not.toContain('hook-path-that-is-secret');
  });

  it('names only the origin: no secret path, token or signing secret in any error', async () => {
    // a peer that echoes everything it was sent (error excerpts are cut at 200 characters, so
    // the path, which comes first, is what could leak)
    const errors: string[] = [];
    for (const [type, config] of Object.entries(configs())) {
      if (type === 'email') continue;
      for (const status of [400, 500, 429]) {
        for (const prefix of ['/hooks/', '/api/', '/services/', '/tg/']) {
          replies.set(prefix, { status, echo: true });
        }
        const outcome = await send(type as keyof typeof channelSenders, config);
        if (outcome.ok) throw new Error(`${type} ${status} succeeded`);
        errors.push(outcome.error);
      }
    }
    // and one that knows the signing secret
    replies.set('/hooks/', { status: 400, body: `bad signature, expected ${WEBHOOK_SECRET}` });
    const outcome = await send('webhook', configs().webhook);
    if (outcome.ok) throw new Error('webhook succeeded');
    errors.push(outcome.error);
    const all = errors.join('\n');
    expect(all).toContain(base);
    for (const secret of [
      WEBHOOK_SECRET,
      WEBHOOK_PATH,
      'c2VjcmV0LXBhdGgtdG9rZW4',
      DISCORD_PATH,
      'discord-token-AbCdEfGhIjKlMnOp',
      SLACK_PATH,
      'slackSecretXXXXXXXXXXXX',
      BOT_TOKEN,
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('SSRF guard', () => {
  const guarded = ctx.bind(null, { targetAccess: 'public' });

  it('refuses a loopback IP literal without connecting, and does not retry', async () => {
    const outcome = await send('webhook', configs().webhook, message(), guarded());
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.ok === false && outcome.error).toMatch(/private or reserved/);
    expect(calls).toHaveLength(0);
  });

  it('refuses a host name that resolves to loopback', async () => {
    const port = (httpServer.address() as AddressInfo).port;
    const outcome = await send(
      'discord',
      { webhook_url: `http://localhost:${port}${DISCORD_PATH}` },
      message(),
      guarded(),
    );
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.ok === false && outcome.error).toMatch(/private or reserved/);
    expect(JSON.stringify(outcome)).not.toContain('discord-token');
    expect(calls).toHaveLength(0);
  });

  it('guards Telegram too', async () => {
    const outcome = await send('telegram', configs().telegram, message(), guarded());
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(JSON.stringify(outcome)).not.toContain(BOT_TOKEN);
  });
});
