import { results, rollups, type CheckRow } from '@lighthouse/db';
import {
  prepareCheckHistory,
  randomWallet,
  responseSchema,
  schemaProblems,
  type OpenApiDocument,
} from '@lighthouse/testing';
import { sql } from 'kysely';
import { formatPct } from '../src/views/common';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  await prepareCheckHistory(api.ctx.db, -95, 0);
});
afterAll(async () => {
  await api.close();
});

interface PageJson {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  published: boolean;
  subscription_ids: string[];
  urls: { html: string; json: string };
  created_at: string;
  updated_at: string;
}

interface DayJson {
  date: string;
  uptime_pct: number | null;
  total_checks: number;
  coverage_pct: number | null;
}

interface IncidentJson {
  subscription: { id: string; name: string };
  started_at: string;
  resolved_at: string | null;
  duration_seconds: number;
}

interface PublicJson {
  slug: string;
  title: string;
  description: string | null;
  updated_at: string;
  generated_at: string;
  overall_state: string;
  subscriptions: {
    id: string;
    name: string;
    state: string;
    last_check_at: string | null;
    uptime_90d_pct: number | null;
    days: DayJson[];
    regions: { region: string; status: string }[];
  }[];
  incidents: { open: IncidentJson[]; recent: IncidentJson[] };
}

interface ErrorJson {
  error: { code: string; message: string; details: { fields?: { field: string }[] } | null };
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const todayStart = (): number => Math.floor(Date.now() / DAY) * DAY;
/** The start of the UTC day `ago` days before today. */
const dayStart = (ago: number): Date => new Date(todayStart() - ago * DAY);
const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

async function newOwner(): Promise<string> {
  return signIn(api.http, randomWallet());
}

let urlCounter = 0;
async function newSubscription(token: string, overrides: Record<string, unknown> = {}) {
  urlCounter += 1;
  const res = await api.http
    .post('/v1/subscriptions')
    .set(bearer(token))
    .send(
      httpSubscription({
        tier: 'team',
        target_config: {
          url: `https://target-${urlCounter}.example.org/private/health`,
          valid_status_codes: [200],
        },
        ...overrides,
      }),
    )
    .expect(201);
  return res.body as { id: string; name: string };
}

async function createPage(token: string, body: Record<string, unknown>): Promise<PageJson> {
  const res = await api.http.post('/v1/status-pages').set(bearer(token)).send(body).expect(201);
  return res.body as PageJson;
}

async function getPage(token: string, id: string): Promise<PageJson> {
  const res = await api.http.get(`/v1/status-pages/${id}`).set(bearer(token)).expect(200);
  return res.body as PageJson;
}

async function pageCount(token: string): Promise<number> {
  const res = await api.http.get('/v1/status-pages?limit=200').set(bearer(token)).expect(200);
  return (res.body as { items: unknown[] }).items.length;
}

function fieldsOf(body: unknown): string[] {
  return ((body as ErrorJson).error.details?.fields ?? []).map((f) => f.field);
}

let slugCounter = 0;
const newSlug = (base = 'page'): string =>
  `${base}-${Date.now().toString(36)}-${(slugCounter += 1)}`;

/** GETs `path` and returns the body as text whatever its type (SVG included). */
function getText(path: string, headers: Record<string, string> = {}) {
  return api.http
    .get(path)
    .set(headers)
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => done(null, text));
    });
}

const XML_ENTITIES = ['&amp;', '&lt;', '&gt;', '&quot;', '&#39;'];

/** Character data may hold `&` only as one of the five entities we write, and no `<`. */
function checkCharacterData(text: string, where: string): void {
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    if (!XML_ENTITIES.some((entity) => text.startsWith(entity, i))) {
      throw new Error(`bare & in ${where}: ${text}`);
    }
  }
  if (text.includes('<')) throw new Error(`< in ${where}: ${text}`);
}

const isNameChar = (c: string): boolean =>
  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || '-_:.'.includes(c);

/**
 * A small well-formedness check, enough for what badges hold: one root <svg> element, tags that
 * balance, attributes written name="value", and escaped character data. Returns the text content.
 */
function parseSvg(svg: string): { texts: string[]; title: string } {
  if (!svg.startsWith('<svg')) throw new Error('does not start with <svg');
  const stack: string[] = [];
  const texts: string[] = [];
  let title = '';
  let i = 0;
  let closedRoot = false;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const data = svg.slice(i, lt === -1 ? svg.length : lt);
    checkCharacterData(data, 'text');
    if (data.trim() !== '') {
      if (stack.length === 0) throw new Error(`text outside the root: ${data}`);
      if (stack[stack.length - 1] === 'text') texts.push(data);
      if (stack[stack.length - 1] === 'title') title = data;
    }
    if (lt === -1) break;
    if (closedRoot) throw new Error('content after the root element');
    const gt = svg.indexOf('>', lt);
    if (gt === -1) throw new Error('unterminated tag');
    const tag = svg.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1);
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
      if (stack.length === 0) closedRoot = true;
    } else {
      const selfClosing = tag.endsWith('/');
      const inner = selfClosing ? tag.slice(0, -1) : tag;
      let p = 0;
      while (p < inner.length && isNameChar(inner[p]!)) p += 1;
      const name = inner.slice(0, p);
      if (name === '') throw new Error(`tag without a name: <${tag}>`);
      const seen = new Set<string>();
      while (p < inner.length) {
        if (inner[p] !== ' ') throw new Error(`expected a space in <${tag}> at ${p}`);
        while (inner[p] === ' ') p += 1;
        if (p >= inner.length) break;
        const start = p;
        while (p < inner.length && isNameChar(inner[p]!)) p += 1;
        const attr = inner.slice(start, p);
        if (attr === '' || inner[p] !== '=' || inner[p + 1] !== '"') {
          throw new Error(`malformed attribute in <${tag}>`);
        }
        if (seen.has(attr)) throw new Error(`duplicate attribute ${attr}`);
        seen.add(attr);
        const end = inner.indexOf('"', p + 2);
        if (end === -1) throw new Error(`unterminated attribute value in <${tag}>`);
        checkCharacterData(inner.slice(p + 2, end), `attribute ${attr}`);
        p = end + 1;
      }
      if (stack.length === 0 && closedRoot) throw new Error('second root element');
      if (!selfClosing) stack.push(name);
      else if (stack.length === 0) closedRoot = true;
    }
    i = gt + 1;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return { texts, title };
}

function check(
  subscriptionId: string,
  time: Date,
  status: CheckRow['status'],
  fields: Partial<CheckRow> = {},
): CheckRow {
  return {
    time,
    subscription_id: subscriptionId,
    status,
    http_status: status === 'down' ? 503 : 200,
    response_time_ms: status === 'down' ? null : 120,
    timings: null,
    error_category: status === 'down' ? 'status' : null,
    error_message: status === 'down' ? 'HTTP 503' : null,
    body_excerpt: null,
    schedule_lag_ms: null,
    region: 'local',
    ...fields,
  };
}

/** One check on the hour for `hours` hours of the day starting at `start`: the first `down` down, then `degraded` degraded. */
function hourlyChecks(
  subscriptionId: string,
  start: Date,
  { hours = 24, down = 0, degraded = 0 }: { hours?: number; down?: number; degraded?: number },
): CheckRow[] {
  return Array.from({ length: hours }, (_, h) =>
    check(
      subscriptionId,
      new Date(start.getTime() + h * HOUR),
      h < down ? 'down' : h < down + degraded ? 'degraded' : 'up',
    ),
  );
}

describe('status pages: owner CRUD', () => {
  it('creates, reads, lists, changes and deletes a page, keeping the subscription order', async () => {
    const token = await newOwner();
    const a = await newSubscription(token, { name: 'API' });
    const b = await newSubscription(token, { name: 'Website' });
    const c = await newSubscription(token, { name: 'Docs' });
    const slug = newSlug('acme');

    const res = await api.http
      .post('/v1/status-pages')
      .set(bearer(token))
      // ids in any case: stored lower-cased
      .send({ slug, title: 'Acme status', subscription_ids: [b.id.toUpperCase(), a.id] })
      .expect(201);
    const created = res.body as PageJson;
    expect(res.headers.location).toBe(`/v1/status-pages/${created.id}`);
    expect(created).toEqual({
      id: expect.any(String) as unknown,
      slug,
      title: 'Acme status',
      description: null,
      published: true,
      subscription_ids: [b.id, a.id],
      urls: { html: `/status/${slug}`, json: `/v1/status/${slug}` },
      created_at: expect.any(String) as unknown,
      updated_at: expect.any(String) as unknown,
    });
    expect(await getPage(token, created.id)).toEqual(created);

    const renamed = newSlug('acme-renamed');
    const changed = await api.http
      .patch(`/v1/status-pages/${created.id}`)
      .set(bearer(token))
      .send({
        slug: renamed,
        title: '  Acme, Inc.  ',
        description: 'Everything Acme runs.',
        subscription_ids: [c.id, a.id, b.id],
        published: false,
      })
      .expect(200);
    expect(changed.body).toMatchObject({
      id: created.id,
      slug: renamed,
      title: 'Acme, Inc.',
      description: 'Everything Acme runs.',
      published: false,
      subscription_ids: [c.id, a.id, b.id],
    });
    // a PATCH that names only some fields keeps the rest; a blank description clears it
    const partial = await api.http
      .patch(`/v1/status-pages/${created.id}`)
      .set(bearer(token))
      .send({ description: '' })
      .expect(200);
    expect(partial.body).toMatchObject({
      slug: renamed,
      title: 'Acme, Inc.',
      description: null,
      published: false,
      subscription_ids: [c.id, a.id, b.id],
    });
    // keeping its own slug is no conflict
    await api.http
      .patch(`/v1/status-pages/${created.id}`)
      .set(bearer(token))
      .send({ slug: renamed, published: true })
      .expect(200);

    await api.http.delete(`/v1/status-pages/${created.id}`).set(bearer(token)).expect(204);
    await api.http.get(`/v1/status-pages/${created.id}`).set(bearer(token)).expect(404);
    await api.http.delete(`/v1/status-pages/${created.id}`).set(bearer(token)).expect(404);
    const links = await api.ctx.db
      .selectFrom('status_page_subscriptions')
      .select('subscription_id')
      .where('page_id', '=', created.id)
      .execute();
    expect(links).toEqual([]);
  });

  it('lists pages newest first with a cursor', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push(
        (await createPage(token, { slug: newSlug(), title: `p${i}`, subscription_ids: [sub.id] }))
          .id,
      );
    }
    const first = await api.http.get('/v1/status-pages?limit=2').set(bearer(token)).expect(200);
    const page1 = first.body as { items: PageJson[]; next_cursor: string | null };
    expect(page1.items.map((p) => p.id)).toEqual([made[2], made[1]]);
    expect(page1.items[0]?.subscription_ids).toEqual([sub.id]);
    expect(page1.next_cursor).toEqual(expect.any(String));
    const second = await api.http
      .get(`/v1/status-pages?limit=2&cursor=${page1.next_cursor ?? ''}`)
      .set(bearer(token))
      .expect(200);
    expect(second.body).toMatchObject({ items: [{ id: made[0] }], next_cursor: null });
    const bad = await api.http.get('/v1/status-pages?cursor=nope').set(bearer(token)).expect(400);
    expect(fieldsOf(bad.body)).toEqual(['cursor']);
    await api.http.get('/v1/status-pages').expect(401);
  });

  it("answers 404 for another wallet's page and changes nothing", async () => {
    const owner = await newOwner();
    const stranger = await newOwner();
    const sub = await newSubscription(owner);
    const page = await createPage(owner, {
      slug: newSlug(),
      title: 'Mine',
      subscription_ids: [sub.id],
    });
    const one = `/v1/status-pages/${page.id}`;
    await api.http.get(one).set(bearer(stranger)).expect(404);
    await api.http.patch(one).set(bearer(stranger)).send({ title: 'Theirs' }).expect(404);
    await api.http.delete(one).set(bearer(stranger)).expect(404);
    await api.http.get('/v1/status-pages/not-a-uuid').set(bearer(owner)).expect(404);
    await api.http
      .get('/v1/status-pages/00000000-0000-4000-8000-000000000000')
      .set(bearer(owner))
      .expect(404);
    expect(await pageCount(stranger)).toBe(0);
    expect(await getPage(owner, page.id)).toEqual(page);
  });

  it("refuses another wallet's or a deleted subscription (400 naming the entry)", async () => {
    const owner = await newOwner();
    const stranger = await newOwner();
    const mine = await newSubscription(owner);
    const theirs = await newSubscription(stranger);
    const gone = await newSubscription(owner);
    await api.http.delete(`/v1/subscriptions/${gone.id}`).set(bearer(owner)).expect(204);

    const create = await api.http
      .post('/v1/status-pages')
      .set(bearer(owner))
      .send({ slug: newSlug(), title: 'T', subscription_ids: [mine.id, theirs.id, gone.id] })
      .expect(400);
    expect(fieldsOf(create.body)).toEqual(['subscription_ids[1]', 'subscription_ids[2]']);
    expect(await pageCount(owner)).toBe(0);

    const page = await createPage(owner, {
      slug: newSlug(),
      title: 'T',
      subscription_ids: [mine.id],
    });
    const patch = await api.http
      .patch(`/v1/status-pages/${page.id}`)
      .set(bearer(owner))
      .send({ title: 'changed', subscription_ids: [theirs.id] })
      .expect(400);
    expect(fieldsOf(patch.body)).toEqual(['subscription_ids[0]']);
    expect(await getPage(owner, page.id)).toEqual(page);
  });

  it('answers 409 naming slug for a taken slug, on create and on PATCH', async () => {
    const first = await newOwner();
    const second = await newOwner();
    const a = await newSubscription(first);
    const b = await newSubscription(second);
    const slug = newSlug('taken');
    await createPage(first, { slug, title: 'First', subscription_ids: [a.id] });

    const res = await api.http
      .post('/v1/status-pages')
      .set(bearer(second))
      .send({ slug, title: 'Second', subscription_ids: [b.id] })
      .expect(409);
    expect((res.body as ErrorJson).error.code).toBe('conflict');
    expect(fieldsOf(res.body)).toEqual(['slug']);
    expect((res.body as ErrorJson).error.message).toContain('slug');
    expect(await pageCount(second)).toBe(0);

    const own = await createPage(second, {
      slug: newSlug(),
      title: 'Second',
      subscription_ids: [b.id],
    });
    const patch = await api.http
      .patch(`/v1/status-pages/${own.id}`)
      .set(bearer(second))
      .send({ slug, title: 'Renamed' })
      .expect(409);
    expect(fieldsOf(patch.body)).toEqual(['slug']);
    expect(await getPage(second, own.id)).toEqual(own);
  });

  it('allows at most 20 pages per wallet', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token);
    for (let i = 0; i < 20; i++) {
      await createPage(token, {
        slug: newSlug('many'),
        title: `p${i}`,
        subscription_ids: [sub.id],
      });
    }
    const over = await api.http
      .post('/v1/status-pages')
      .set(bearer(token))
      .send({ slug: newSlug('many'), title: 'one too many', subscription_ids: [sub.id] })
      .expect(409);
    expect(over.body).toMatchObject({ error: { code: 'conflict', details: { limit: 20 } } });
    expect(await pageCount(token)).toBe(20);
  });
});

describe('malformed status pages', () => {
  let token: string;
  let subId: string;
  let other: string;
  beforeAll(async () => {
    token = await newOwner();
    subId = (await newSubscription(token)).id;
    other = (await newSubscription(token)).id;
  });

  const valid = (overrides: Record<string, unknown>) => ({
    slug: newSlug('valid'),
    title: 'A page',
    subscription_ids: [subId],
    ...overrides,
  });

  /** [what, overrides of a valid body, the field the answer must name] */
  const cases: [string, () => Record<string, unknown>, string][] = [
    ['upper-case slug', () => ({ slug: 'Acme' }), 'slug'],
    ['slug starting with a hyphen', () => ({ slug: '-acme' }), 'slug'],
    ['slug ending with a hyphen', () => ({ slug: 'acme-' }), 'slug'],
    ['slug with a space', () => ({ slug: 'ac me' }), 'slug'],
    ['slug with an underscore', () => ({ slug: 'ac_me' }), 'slug'],
    ['empty slug', () => ({ slug: '' }), 'slug'],
    ['slug of 65 characters', () => ({ slug: 'a'.repeat(65) }), 'slug'],
    ['slug not a string', () => ({ slug: 42 }), 'slug'],
    ['missing slug', () => ({ slug: undefined }), 'slug'],
    ['blank title', () => ({ title: '   ' }), 'title'],
    ['title of 201 characters', () => ({ title: 't'.repeat(201) }), 'title'],
    ['missing title', () => ({ title: undefined }), 'title'],
    ['description of 2001 characters', () => ({ description: 'd'.repeat(2001) }), 'description'],
    ['description not a string', () => ({ description: ['x'] }), 'description'],
    ['no subscriptions', () => ({ subscription_ids: [] }), 'subscription_ids'],
    ['subscription_ids not a list', () => ({ subscription_ids: subId }), 'subscription_ids'],
    [
      'an id that is not a uuid',
      () => ({ subscription_ids: [subId, 'nope'] }),
      'subscription_ids[1]',
    ],
    [
      'an id listed twice',
      () => ({ subscription_ids: [subId, other, subId] }),
      'subscription_ids[2]',
    ],
    [
      'an unknown id',
      () => ({ subscription_ids: ['00000000-0000-4000-8000-000000000000'] }),
      'subscription_ids[0]',
    ],
    [
      '51 subscriptions',
      () => ({ subscription_ids: Array.from({ length: 51 }, () => subId) }),
      'subscription_ids',
    ],
    ['published not a boolean', () => ({ published: 'yes' }), 'published'],
    ['unknown field', () => ({ theme: 'dark' }), 'theme'],
  ];

  it.each(cases)('%s → 400 naming the field, nothing written', async (_what, overrides, field) => {
    const res = await api.http
      .post('/v1/status-pages')
      .set(bearer(token))
      .send(valid(overrides()))
      .expect(400);
    expect((res.body as ErrorJson).error.code).toBe('validation_error');
    expect(fieldsOf(res.body)).toContain(field);
    expect((res.body as ErrorJson).error.message).toContain(field);
    expect(await pageCount(token)).toBe(0);
  });

  it('refuses a body that is not an object', async () => {
    const res = await api.http
      .post('/v1/status-pages')
      .set(bearer(token))
      .send([{ slug: 'x' }])
      .expect(400);
    expect(fieldsOf(res.body)).toEqual(['(body)']);
  });

  it('leaves a page unchanged when a PATCH is refused', async () => {
    const page = await createPage(token, valid({ description: 'kept' }));
    const one = `/v1/status-pages/${page.id}`;
    const updates: [object, string][] = [
      [{ title: 'renamed', slug: 'Bad Slug' }, 'slug'],
      [{ title: 'renamed', subscription_ids: [] }, 'subscription_ids'],
      [{ title: 'renamed', subscription_ids: [other, 'x'] }, 'subscription_ids[1]'],
      [{ title: '' }, 'title'],
      [{ title: 'renamed', published: null }, 'published'],
      [{ title: 'renamed', id: page.id }, 'id'],
    ];
    for (const [body, field] of updates) {
      const res = await api.http.patch(one).set(bearer(token)).send(body).expect(400);
      expect({ body, fields: fieldsOf(res.body) }).toEqual({
        body,
        fields: expect.arrayContaining([field]) as unknown,
      });
    }
    expect(await getPage(token, page.id)).toEqual(page);
    await api.http.delete(one).set(bearer(token)).expect(204);
  });
});

describe('the public page, its HTML and badges', () => {
  let token: string;
  let slug: string;
  let pageId: string;
  /** listed, checked hourly, history backdated 100 days */
  let api1: { id: string; name: string };
  /** listed, paused */
  let paused: { id: string; name: string };
  /** listed, then deleted */
  let deleted: { id: string; name: string };
  /** never listed */
  let secret: { id: string; name: string };
  const SECRET_URL = 'https://secret-internal.example.net/db-health';
  /** days ago → [down, degraded] out of 24 hourly checks */
  const history: Record<number, [number, number]> = {
    88: [0, 0],
    87: [3, 1],
    60: [24, 0],
    30: [6, 0],
    5: [1, 2],
    1: [0, 2],
  };
  const GAP_DAY = 45;

  beforeAll(async () => {
    token = await newOwner();
    api1 = await newSubscription(token, { name: 'Public API', check_frequency_seconds: 3600 });
    paused = await newSubscription(token, { name: 'Marketing site' });
    deleted = await newSubscription(token, { name: 'Retired service' });
    secret = await newSubscription(token, {
      name: 'Internal database',
      target_config: { url: SECRET_URL, valid_status_codes: [200] },
    });
    slug = newSlug('public');
    pageId = (
      await createPage(token, {
        slug,
        title: 'Acme status',
        description: 'Live status of Acme.',
        subscription_ids: [api1.id, paused.id, deleted.id],
      })
    ).id;
    await api.http.post(`/v1/subscriptions/${paused.id}/pause`).set(bearer(token)).expect(200);
    await api.http.delete(`/v1/subscriptions/${deleted.id}`).set(bearer(token)).expect(204);

    // api1 has been checked hourly for 100 days, is down now, with an open incident
    await api.ctx.db
      .updateTable('schedule_changes')
      .set({ changed_at: new Date(Date.now() - 100 * DAY) })
      .where('subscription_id', '=', api1.id)
      .execute();
    await api.ctx.db
      .updateTable('subscriptions')
      .set({ state: 'down', last_check_at: new Date() })
      .where('id', 'in', [api1.id, secret.id])
      .execute();

    const rows: CheckRow[] = [];
    for (const [ago, [down, degraded]] of Object.entries(history)) {
      rows.push(...hourlyChecks(api1.id, dayStart(Number(ago)), { down, degraded }));
    }
    // today: the hours already over, the first one down
    const hoursToday = Math.floor((Date.now() - todayStart()) / HOUR);
    rows.push(...hourlyChecks(api1.id, dayStart(0), { hours: hoursToday, down: 1 }));
    // the unlisted subscription has history too
    rows.push(...hourlyChecks(secret.id, dayStart(5), { down: 12 }));
    await results.insertCheckRows(api.ctx.db, rows);

    // Fold the two oldest days into rollups; the rest stays raw, after the watermark.
    const rolledUpTo = dayStart(86).getTime() - 1000;
    for (let i = 0; i < 200; i++) {
      const round = await rollups.rollUp(api.ctx.db);
      if (round.watermark.getTime() >= rolledUpTo) break;
    }

    const now = Date.now();
    await api.ctx.db
      .insertInto('incidents')
      .values([
        { subscription_id: api1.id, started_at: new Date(now - 2 * HOUR), resolved_at: null },
        {
          subscription_id: api1.id,
          started_at: new Date(now - 3 * DAY),
          resolved_at: new Date(now - 3 * DAY + 30 * 60_000),
        },
        // resolved too long ago to show
        {
          subscription_id: api1.id,
          started_at: new Date(now - 41 * DAY),
          resolved_at: new Date(now - 40 * DAY),
        },
        { subscription_id: secret.id, started_at: new Date(now - HOUR), resolved_at: null },
        {
          subscription_id: deleted.id,
          started_at: new Date(now - 2 * DAY),
          resolved_at: new Date(now - DAY),
        },
      ])
      .execute();
  });

  function assertNoLeak(text: string): void {
    for (const hidden of [
      secret.id,
      secret.name,
      SECRET_URL,
      'secret-internal',
      deleted.id,
      deleted.name,
      // no target, channel or owner of the listed ones either
      'example.org',
      'hooks.example.com',
      'webhook',
      'target_config',
      'user_address',
    ]) {
      expect({ hidden, found: text.includes(hidden) }).toEqual({ hidden, found: false });
    }
  }

  it('serves the listed subscriptions with 90 daily bars that match the raw rows', async () => {
    // part of the history is in rollups, the rest raw
    const rolled = await api.ctx.db
      .selectFrom('check_rollups_daily')
      .select('bucket')
      .where('subscription_id', '=', api1.id)
      .orderBy('bucket')
      .execute();
    expect(rolled.map((r) => isoDate(r.bucket))).toEqual([
      isoDate(dayStart(88)),
      isoDate(dayStart(87)),
    ]);

    const res = await api.http.get(`/v1/status/${slug}`).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=30');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.body as PublicJson;
    expect(body).toMatchObject({
      slug,
      title: 'Acme status',
      description: 'Live status of Acme.',
      overall_state: 'down',
    });
    expect(Date.parse(body.generated_at)).not.toBeNaN();
    expect(Date.parse(body.updated_at)).not.toBeNaN();
    expect(body.subscriptions.map((s) => [s.id, s.name, s.state])).toEqual([
      [api1.id, 'Public API', 'down'],
      [paused.id, 'Marketing site', 'paused'],
    ]);
    for (const s of body.subscriptions) {
      expect(Object.keys(s).sort()).toEqual(
        [
          'days',
          'id',
          'last_check_at',
          'name',
          'regions',
          'sla_report_url',
          'state',
          'uptime_90d_pct',
        ].sort(),
      );
      // checked from the default region alone: no regions to show
      expect(s.regions).toEqual([]);
      expect(s.days).toHaveLength(90);
      expect(s.days[0]?.date).toBe(isoDate(dayStart(89)));
      expect(s.days[89]?.date).toBe(isoDate(dayStart(0)));
    }

    // per day: the same as aggregating the raw rows directly
    const { rows } = await sql<{ day: string; total: number; pct: number }>`
      SELECT to_char(date_trunc('day', time, 'UTC'), 'YYYY-MM-DD') AS day, count(*)::int AS total,
             round(100.0 * count(*) FILTER (WHERE status IN ('up', 'degraded')) / count(*), 3)::float8 AS pct
      FROM check_history WHERE subscription_id = ${api1.id} GROUP BY 1`.execute(api.ctx.db);
    const direct = new Map(rows.map((r) => [r.day, r]));
    const days = body.subscriptions[0]!.days;
    for (const day of days) {
      const expected = direct.get(day.date);
      expect({ date: day.date, uptime: day.uptime_pct, total: day.total_checks }).toEqual({
        date: day.date,
        uptime: expected ? expected.pct : null,
        total: expected ? expected.total : 0,
      });
    }
    const byDate = new Map(days.map((d) => [d.date, d]));
    expect(byDate.get(isoDate(dayStart(60)))).toMatchObject({ uptime_pct: 0, total_checks: 24 });
    expect(byDate.get(isoDate(dayStart(88)))).toMatchObject({
      uptime_pct: 100,
      total_checks: 24,
      coverage_pct: 100,
    });
    // a day without checks is a gap, not 100%: nothing checked of the 24 due
    expect(byDate.get(isoDate(dayStart(GAP_DAY)))).toEqual({
      date: isoDate(dayStart(GAP_DAY)),
      uptime_pct: null,
      total_checks: 0,
      coverage_pct: 0,
    });

    const whole = await sql<{ pct: number }>`
      SELECT round(100.0 * count(*) FILTER (WHERE status IN ('up', 'degraded')) / count(*), 3)::float8 AS pct
      FROM check_history WHERE subscription_id = ${api1.id}`.execute(api.ctx.db);
    expect(body.subscriptions[0]?.uptime_90d_pct).toBe(whole.rows[0]?.pct);

    // the paused one was created today and never checked: gaps with nothing due
    const pausedDays = body.subscriptions[1]!.days;
    expect(pausedDays.every((d) => d.uptime_pct === null && d.total_checks === 0)).toBe(true);
    expect(pausedDays[0]?.coverage_pct).toBeNull();
    expect(body.subscriptions[1]?.uptime_90d_pct).toBeNull();
  });

  it('shows open and recent incidents of listed subscriptions only, and leaks nothing else', async () => {
    const res = await api.http.get(`/v1/status/${slug}`).expect(200);
    const body = res.body as PublicJson;
    expect(body.incidents.open).toHaveLength(1);
    expect(body.incidents.open[0]).toMatchObject({
      subscription: { id: api1.id, name: 'Public API' },
      resolved_at: null,
    });
    expect(body.incidents.open[0]?.duration_seconds).toBeGreaterThanOrEqual(2 * 3600 - 5);
    expect(body.incidents.recent).toHaveLength(1);
    expect(body.incidents.recent[0]).toMatchObject({
      subscription: { id: api1.id, name: 'Public API' },
      duration_seconds: 1800,
    });
    expect(body.incidents.recent[0]?.resolved_at).toEqual(expect.any(String));
    assertNoLeak(res.text);
  });

  it('renders the same page as HTML, escaped and readable on a phone', async () => {
    const res = await api.http.get(`/status/${slug}`).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=30');
    const html = res.text;
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('Acme status');
    expect(html).toContain('Live status of Acme.');
    expect(html).toContain('Public API');
    expect(html).toContain('Marketing site');
    expect(html).toContain('Down');
    expect(html).toContain('Paused');
    expect(html).toContain('Outage');
    expect(html.split('class="bar"')).toHaveLength(2 * 90 + 1);
    expect(html).toContain(`title="${isoDate(dayStart(GAP_DAY))}: no data"`);
    expect(html).toContain(
      `title="${isoDate(dayStart(60))}: 0.00% uptime (24 checks, 100% of checks due)"`,
    );
    expect(html).not.toContain('<script');
    assertNoLeak(html);
  });

  it('escapes every user-written string in the HTML', async () => {
    const owner = await newOwner();
    const sub = await newSubscription(owner, { name: '<b>bold</b> & "quoted"' });
    const evil = newSlug('evil');
    await createPage(owner, {
      slug: evil,
      title: '<script>alert("x")</script> & Co',
      description: "<img src=x onerror='alert(1)'>",
      subscription_ids: [sub.id],
    });
    const res = await api.http.get(`/status/${evil}`).expect(200);
    const html = res.text;
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(html).toContain('&lt;img src=x onerror=&#39;alert(1)&#39;&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('serves a status badge', async () => {
    const res = await getText(`/badge/${api1.id}/status.svg`).expect(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const svg = res.body as string;
    const parsed = parseSvg(svg);
    expect(parsed.title).toBe('status: down');
    expect(parsed.texts).toEqual(['status', 'status', 'down', 'down']);

    // cacheable: an ETag, and 304 when it still matches
    const etag = res.headers.etag;
    expect(etag).toEqual(expect.any(String));
    await getText(`/badge/${api1.id}/status.svg`, { 'If-None-Match': etag ?? '' }).expect(304);

    const pausedBadge = await getText(`/badge/${paused.id}/status.svg`).expect(200);
    expect(parseSvg(pausedBadge.body as string).title).toBe('status: paused');
  });

  it('serves uptime badges computed like a direct aggregation of the period', async () => {
    /** [period, hours, unit] */
    const periods: [string | undefined, number, 'hour' | 'day'][] = [
      [undefined, 30 * 24, 'day'],
      ['30d', 30 * 24, 'day'],
      ['90d', 90 * 24, 'day'],
      ['24h', 24, 'hour'],
      ['2d', 48, 'hour'],
      ['7d', 7 * 24, 'day'],
    ];
    for (const [period, hours, unit] of periods) {
      const size = unit === 'hour' ? HOUR : DAY;
      const from = new Date(Math.floor((Date.now() - hours * HOUR) / size) * size);
      const { rows } = await sql<{ up: number; total: number }>`
        SELECT count(*) FILTER (WHERE status IN ('up', 'degraded'))::int AS up, count(*)::int AS total
        FROM check_history WHERE subscription_id = ${api1.id} AND time >= ${from}`.execute(
        api.ctx.db,
      );
      const { up, total } = rows[0]!;
      const message =
        total === 0 ? 'no data' : formatPct(Math.round((up / total) * 100 * 1000) / 1000);
      const res = await getText(
        `/badge/${api1.id}/uptime.svg${period ? `?period=${period}` : ''}`,
      ).expect(200);
      expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      expect(res.headers['cache-control']).toBe('public, max-age=60');
      const parsed = parseSvg(res.body as string);
      const label = `uptime ${period ?? '30d'}`;
      expect({ period, title: parsed.title }).toEqual({ period, title: `${label}: ${message}` });
      expect(parsed.texts).toEqual([label, label, message, message]);
    }

    // a listed subscription never checked has no data
    const none = await getText(`/badge/${paused.id}/uptime.svg?period=7d`).expect(200);
    expect(parseSvg(none.body as string).title).toBe('uptime 7d: no data');
  });

  it('refuses a bad period with a 400 naming period, whatever the id', async () => {
    for (const period of [
      '0h',
      '0d',
      '366d',
      '8761h',
      '1000d',
      '30',
      'd',
      '1w',
      '1.5d',
      '-1d',
      '30D',
    ]) {
      for (const id of [api1.id, secret.id, 'not-a-uuid']) {
        const res = await api.http
          .get(`/badge/${id}/uptime.svg?period=${encodeURIComponent(period)}`)
          .expect(400);
        expect({ period, fields: fieldsOf(res.body) }).toEqual({ period, fields: ['period'] });
      }
    }
    await getText(`/badge/${api1.id}/uptime.svg?period=1h`).expect(200);
    await getText(`/badge/${api1.id}/uptime.svg?period=365d`).expect(200);
    await getText(`/badge/${api1.id}/uptime.svg?period=999h`).expect(200);
  });

  it('answers 404 alike for anything not on a published page', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const kind of ['status', 'uptime'] as const) {
      const bodies = new Set<string>();
      for (const id of [secret.id, deleted.id, unknown, 'not-a-uuid', api1.id.replace(/-/g, '')]) {
        const res = await getText(`/badge/${id}/${kind}.svg`).expect(404);
        expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
        const svg = res.body as string;
        expect(parseSvg(svg).title).toBe(
          `${kind === 'status' ? 'status' : 'uptime 30d'}: not found`,
        );
        bodies.add(svg);
        expect(svg).not.toContain(id);
      }
      expect(bodies.size).toBe(1);
    }

    const unknownSlug = await api.http.get('/v1/status/no-such-page').expect(404);
    const malformed = await api.http.get('/v1/status/No_Such_Page').expect(404);
    expect(malformed.body).toEqual(unknownSlug.body);
    expect((unknownSlug.body as ErrorJson).error.code).toBe('not_found');
    const html = await api.http.get('/status/no-such-page').expect(404);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.text).toContain('Status page not found');
  });

  it('hides everything once unpublished, and shows it again when republished', async () => {
    const owner = await newOwner();
    const only = await newSubscription(owner, { name: 'Only here' });
    const both = await newSubscription(owner, { name: 'On two pages' });
    const hiddenSlug = newSlug('hidden');
    const page = await createPage(owner, {
      slug: hiddenSlug,
      title: 'Soon hidden',
      subscription_ids: [only.id, both.id],
    });
    // a second, published page lists `both`
    const other = await createPage(owner, {
      slug: newSlug('other'),
      title: 'Other',
      subscription_ids: [both.id],
    });

    await api.http.get(`/v1/status/${hiddenSlug}`).expect(200);
    await getText(`/badge/${only.id}/status.svg`).expect(200);
    await getText(`/badge/${only.id}/uptime.svg`).expect(200);

    const unknownJson = await api.http.get('/v1/status/never-was-a-page').expect(404);
    await api.http
      .patch(`/v1/status-pages/${page.id}`)
      .set(bearer(owner))
      .send({ published: false })
      .expect(200);
    const json = await api.http.get(`/v1/status/${hiddenSlug}`).expect(404);
    // the same answer as a slug that never existed
    expect(json.body).toEqual(unknownJson.body);
    expect(json.text).not.toContain(only.id);
    const html = await api.http.get(`/status/${hiddenSlug}`).expect(404);
    expect(html.text).not.toContain('Only here');
    expect(html.text).not.toContain('Soon hidden');
    await getText(`/badge/${only.id}/status.svg`).expect(404);
    await getText(`/badge/${only.id}/uptime.svg?period=24h`).expect(404);
    // still on a published page
    await getText(`/badge/${both.id}/status.svg`).expect(200);

    // the other page stops listing it: gone from every badge, and from that page
    await api.http
      .patch(`/v1/status-pages/${other.id}`)
      .set(bearer(owner))
      .send({ subscription_ids: [only.id] })
      .expect(200);
    await getText(`/badge/${both.id}/status.svg`).expect(404);
    await getText(`/badge/${both.id}/uptime.svg`).expect(404);
    const otherJson = await api.http.get(`/v1/status/${other.slug}`).expect(200);
    expect(otherJson.text).not.toContain(both.id);
    expect(otherJson.text).not.toContain('On two pages');
    await getText(`/badge/${only.id}/status.svg`).expect(200);

    // republished: back
    await api.http
      .patch(`/v1/status-pages/${page.id}`)
      .set(bearer(owner))
      .send({ published: true })
      .expect(200);
    await api.http.get(`/v1/status/${hiddenSlug}`).expect(200);
    await getText(`/badge/${both.id}/status.svg`).expect(200);

    // deleting the pages ends it
    await api.http.delete(`/v1/status-pages/${page.id}`).set(bearer(owner)).expect(204);
    await api.http.delete(`/v1/status-pages/${other.id}`).set(bearer(owner)).expect(204);
    await api.http.get(`/v1/status/${hiddenSlug}`).expect(404);
    await getText(`/badge/${only.id}/status.svg`).expect(404);
    await getText(`/badge/${both.id}/uptime.svg`).expect(404);
  });

  it('is described in the OpenAPI document', async () => {
    const res = await api.http.get('/openapi.json').expect(200);
    const doc = res.body as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths['/v1/status-pages'] ?? {})).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/status-pages/{id}'] ?? {})).toEqual([
      'get',
      'patch',
      'delete',
    ]);
    for (const path of [
      '/v1/status/{slug}',
      '/status/{slug}',
      '/badge/{id}/status.svg',
      '/badge/{id}/uptime.svg',
    ]) {
      expect({ path, ops: Object.keys(doc.paths[path] ?? {}) }).toEqual({ path, ops: ['get'] });
    }
    expect(Object.keys(doc.components.schemas.StatusPageCreate?.properties ?? {})).toEqual(
      expect.arrayContaining(['slug', 'title', 'description', 'subscription_ids', 'published']),
    );
  });

  it('keeps the public routes open and the owner routes closed', async () => {
    await api.http.get(`/v1/status-pages/${pageId}`).expect(401);
    await api.http.post('/v1/status-pages').send({}).expect(401);
    await api.http.get(`/v1/status/${slug}`).set('Authorization', 'Bearer nonsense').expect(200);
  });
});

describe('regions on the public page', () => {
  const MINUTE = 60_000;
  const CHOSEN = ['eu-west', 'us-east', 'ap-south', 'sa-east'];
  let slug: string;
  let multi: { id: string; name: string };
  let single: { id: string; name: string };
  /** the latest slot: a minute or two ago */
  let latest: number;
  let scheduledFrom: number;

  beforeAll(async () => {
    const token = await newOwner();
    multi = await newSubscription(token, { name: 'Global API', check_frequency_seconds: 60 });
    single = await newSubscription(token, { name: 'Local API', check_frequency_seconds: 60 });
    slug = newSlug('regions');
    await createPage(token, {
      slug,
      title: 'Regions',
      subscription_ids: [multi.id, single.id],
    });
    latest = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    scheduledFrom = latest - 3 * MINUTE;
    await api.ctx.db
      .updateTable('subscriptions')
      .set({ regions: CHOSEN, state: 'down', last_check_at: new Date(latest) })
      .where('id', '=', multi.id)
      .execute();
    await api.ctx.db
      .updateTable('schedule_changes')
      .set({ changed_at: new Date(scheduledFrom) })
      .where('subscription_id', '=', multi.id)
      .execute();
    const at = (minutesBefore: number) => new Date(latest - minutesBefore * MINUTE);
    await results.insertCheckRows(api.ctx.db, [
      check(multi.id, at(0), 'up', { region: 'eu-west' }),
      check(multi.id, at(1), 'up', { region: 'eu-west' }),
      check(multi.id, at(0), 'down', { region: 'us-east' }),
      check(multi.id, at(1), 'up', { region: 'us-east' }),
      // a confirmation check after the latest slot is no slot: us-east's slot result stands
      check(multi.id, new Date(latest + 20_000), 'up', { region: 'us-east', confirmation: true }),
      // still at work on the latest slot: the one before shows
      check(multi.id, at(1), 'degraded', { region: 'ap-south' }),
      // nothing lately: unknown
      check(multi.id, at(3), 'up', { region: 'sa-east' }),
      check(single.id, at(0), 'down'),
    ]);
  });

  it('gives each region’s state for the latest slot, in the order they were chosen', async () => {
    const body = (await api.http.get(`/v1/status/${slug}`).expect(200)).body as PublicJson;
    const [global, local] = body.subscriptions;
    expect(global).toMatchObject({ id: multi.id, state: 'down' });
    expect(global!.regions).toEqual([
      { region: 'eu-west', status: 'up' },
      { region: 'us-east', status: 'down' },
      { region: 'ap-south', status: 'degraded' },
      { region: 'sa-east', status: 'unknown' },
    ]);
    // one region (the default one): nothing per region
    expect(local).toMatchObject({ id: single.id, regions: [] });

    // every region's checks count, and each is due once per slot
    const days = global!.days;
    expect(days.reduce((n, d) => n + d.total_checks, 0)).toBe(6);
    if (isoDate(new Date(scheduledFrom)) === isoDate(new Date(Date.now() - MINUTE))) {
      // all in one UTC day: 6 checks of 4 regions × 3-4 slots due, where one region would be 100 %
      const today = days[days.length - 1]!;
      expect(today.total_checks).toBe(6);
      expect(today.coverage_pct).toBeGreaterThan(37);
      expect(today.coverage_pct).toBeLessThanOrEqual(50);
    }

    const doc = (await api.http.get('/openapi.json').expect(200)).body as OpenApiDocument;
    expect(schemaProblems(doc, responseSchema(doc, '/v1/status/{slug}', 'get'), body)).toEqual([]);
  });

  it('shows the regions compactly in the HTML, for the monitor checked from several', async () => {
    const html = (await api.http.get(`/status/${slug}`).expect(200)).text;
    const lists = html.match(/<ul class="regions"[^>]*>.*?<\/ul>/g) ?? [];
    expect(lists).toHaveLength(1);
    expect(lists[0]).toContain('aria-label="Global API by region"');
    const items = [...lists[0]!.matchAll(/<li>([^<]+) <b[^>]*>([^<]+)<\/b><\/li>/g)].map(
      (m) => `${m[1]}: ${m[2]}`,
    );
    expect(items).toEqual([
      'eu-west: Operational',
      'us-east: Down',
      'ap-south: Degraded',
      'sa-east: Unknown',
    ]);
  });

  it('shows no regions for a paused monitor', async () => {
    await api.ctx.db
      .updateTable('subscriptions')
      .set({ active: false })
      .where('id', '=', multi.id)
      .execute();
    try {
      const html = (await api.http.get(`/status/${slug}`).expect(200)).text;
      expect(html).not.toContain('class="regions"');
    } finally {
      await api.ctx.db
        .updateTable('subscriptions')
        .set({ active: true })
        .where('id', '=', multi.id)
        .execute();
    }
  });
});
