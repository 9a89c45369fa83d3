import { createTransport, type SMTPPoolOptions } from 'nodemailer';
import type { ChannelConfig } from './index';
import type { ChannelSender, SendOutcome } from './types';

type EmailConfig = ChannelConfig<'email'>;

type PoolTransport = ReturnType<typeof createPool>;

/**
 * One pooled SMTP transport per SMTP URL, made on first use (part of `ChannelTransports`). The
 * SMTP server is the operator's, from config, so it is not subject to the SSRF guard.
 */
export interface SmtpPools {
  get(url: string, timeoutMs: number): PoolTransport;
  /** Closes every pooled SMTP connection; the next send opens new ones. */
  close(): void;
}

export function createSmtpPools(): SmtpPools {
  const transports = new Map<string, PoolTransport>();
  return {
    get(url, timeoutMs) {
      let transport = transports.get(url);
      if (transport === undefined) {
        transport = createPool(url, timeoutMs);
        transports.set(url, transport);
      }
      return transport;
    },
    close() {
      for (const transport of transports.values()) transport.close();
      transports.clear();
    },
  };
}

function createPool(url: string, timeoutMs: number) {
  // The pool parses `url` (credentials, host, port, secure) as the plain transport does.
  const options: SMTPPoolOptions & { pool: true; url: string } = {
    url,
    pool: true,
    maxConnections: 2,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
  return createTransport(options);
}

/** Sends the rendered message as text and HTML to the channel's recipients. */
export const sendEmail: ChannelSender<EmailConfig> = async (config, message, rendered, ctx) => {
  const { url, from } = ctx.smtp;
  if (url === null) {
    return {
      ok: false,
      retryable: false,
      error: 'email is not configured on this server (no SMTP URL set)',
    };
  }
  try {
    const info = await ctx.transports.smtp.get(url, ctx.timeoutMs).sendMail({
      from,
      to: config.to,
      subject: rendered.title,
      text: rendered.text,
      html: rendered.html,
      headers: { 'X-Lighthouse-Event-Id': message.event_id },
    });
    return { ok: true, detail: info.messageId };
  } catch (error) {
    return smtpOutcome(error, url);
  }
};

/**
 * SMTP 4xx replies are temporary (retryable), 5xx permanent (not); errors without a reply are
 * connection, TLS or timeout failures (retryable), except configuration errors. The SMTP URL's
 * credentials never appear in the error.
 */
export function smtpOutcome(error: unknown, url: string): SendOutcome {
  const e = (error ?? {}) as { responseCode?: unknown; code?: unknown; message?: unknown };
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const text = scrubSmtp(typeof e.message === 'string' ? e.message : String(error), url);
  const message = `SMTP: ${text}${code === undefined ? '' : ` (${code})`}`;
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 600) {
    return { ok: false, retryable: responseCode < 500, error: message };
  }
  const permanent = code === 'ECONFIG' || code === 'EENVELOPE' || code === 'EMESSAGE';
  return { ok: false, retryable: !permanent, error: message };
}

function scrubSmtp(text: string, url: string): string {
  let out = text.split(url).join('***');
  try {
    const parsed = new URL(url);
    for (const secret of [parsed.password, decodeURIComponent(parsed.password)]) {
      if (secret !== '') out = out.split(secret).join('***');
    }
  } catch {
    // an unparsable URL was replaced whole above
  }
  return out;
}
