import { fieldIssues } from '../fields';
import { canaryTargetSchema, describeCanaryTarget, maskCanaryTarget } from './canary';
import { heartbeatTargetSchema } from './heartbeat';

const issues = (config: unknown) => {
  const result = canaryTargetSchema.safeParse(config);
  return result.success ? [] : fieldIssues(result.error, ['target_config']);
};

const login = {
  name: 'login',
  method: 'POST',
  url: 'https://api.example.com/login',
  body: '{"password":"hunter2-correct-horse"}',
  extract: [{ var: 'token', from: 'json', path: '$.token' }],
};

describe('canary config', () => {
  it('fills defaults and accepts a status code on its own', () => {
    const config = canaryTargetSchema.parse({
      steps: [login, { name: 'me', url: '{{base}}/me', assert: { status: 200 } }].map((s, i) =>
        i === 1 ? { ...s, url: 'https://api.example.com/me?t={{token}}' } : s,
      ),
    });
    expect(config.timeout_ms).toBe(30_000);
    expect(config.steps[1]).toMatchObject({
      method: 'GET',
      timeout_ms: 10_000,
      follow_redirects: true,
      assert: { status: [200] },
    });
    // what is stored parses again to itself (updates re-validate the stored config)
    expect(canaryTargetSchema.parse(config)).toEqual(config);
  });

  it('names each bad field', () => {
    expect(issues({ steps: [] })).toEqual([
      { field: 'target_config.steps', message: 'must have at least one step' },
    ]);
    expect(
      issues({
        steps: [
          { name: 'a', url: 'https://x.example/{{token}}' },
          { ...login, name: 'a' },
          { name: 'c', url: 'ftp://x.example/', extract: [{ var: '1x', from: 'xml' }] },
          {
            name: 'd',
            url: '{{token}}/next',
            headers: { Authorization: 'Bearer {{nope}}' },
            extract: [{ var: 'r', from: 'regex', pattern: '(' }],
          },
        ],
      }),
    ).toEqual([
      {
        field: 'target_config.steps[2].url',
        message:
          'must be an absolute http:// or https:// URL (placeholders like {{token}} may stand for parts of it)',
      },
      {
        field: 'target_config.steps[2].extract[0].from',
        message:
          'must be "json" (with a path), "header" (with a header) or "regex" (with a pattern)',
      },
      {
        field: 'target_config.steps[3].extract[0].pattern',
        message: 'must be a valid JavaScript regular expression',
      },
    ]);
    expect(
      issues({
        steps: [
          { name: 'a', url: 'https://x.example/{{token}}' },
          { ...login, name: 'a' },
          { name: 'd', url: '{{token}}/next', headers: { Authorization: 'Bearer {{nope}}' } },
        ],
      }),
    ).toEqual([
      {
        field: 'target_config.steps[0].url',
        message: '{{token}} is not extracted by an earlier step',
      },
      {
        field: 'target_config.steps[1].name',
        message: '"a" is also the name of step 1: names must be unique',
      },
      {
        field: 'target_config.steps[2].headers.Authorization',
        message: '{{nope}} is not extracted by an earlier step',
      },
    ]);
    expect(issues({ steps: [{ name: 'g', url: 'https://x.example/', body: 'x' }] })).toEqual([
      {
        field: 'target_config.steps[0].body',
        message: 'GET and HEAD requests cannot carry a body',
      },
    ]);
    expect(
      issues({ steps: Array.from({ length: 21 }, (_, i) => ({ ...login, name: `s${i}` })) }),
    ).toEqual([{ field: 'target_config.steps', message: 'at most 20 steps' }]);
  });

  it('masks header values, bodies and URL passwords, leaving placeholders as written', () => {
    const config = canaryTargetSchema.parse({
      steps: [
        { ...login, url: 'https://bot:s3cret-pass@api.example.com/login' },
        {
          name: 'me',
          url: 'https://api.example.com/users/{{token}}',
          headers: { Authorization: 'Bearer {{token}}', 'X-Api-Key': 'key-0123456789abcdefghij' },
        },
      ],
    });
    const masked = maskCanaryTarget(config);
    expect(masked.steps[0]).toMatchObject({
      url: 'https://bot:****@api.example.com/login',
      body: '****',
    });
    expect(masked.steps[1]).toMatchObject({
      url: 'https://api.example.com/users/{{token}}',
      headers: { Authorization: '****', 'X-Api-Key': '****ghij' },
    });
    expect(JSON.stringify(masked)).not.toMatch(/hunter2|s3cret|0123456789/);
    expect(describeCanaryTarget(config)).toBe('2-step flow: login → me');
  });

  it('masks query values of step URLs, but a value that is only a placeholder', () => {
    const config = canaryTargetSchema.parse({
      steps: [
        {
          ...login,
          url: 'https://api.example.com/login?api_key=sk-0123456789&v=2&empty=',
          extract: [...login.extract, { var: 'base', from: 'json', path: '$.base' }],
        },
        { name: 'me', url: '{{base}}/me?token={{token}}&sig=abc{{token}}#top' },
      ],
    });
    const masked = maskCanaryTarget(config);
    expect(masked.steps[0]?.url).toBe('https://api.example.com/login?api_key=****&v=****&empty=');
    expect(masked.steps[1]?.url).toBe('{{base}}/me?token={{token}}&sig=****#top');
  });
});

describe('heartbeat config', () => {
  it('defaults grace_seconds to 60 and refuses anything else', () => {
    expect(heartbeatTargetSchema.parse({})).toEqual({ grace_seconds: 60 });
    expect(heartbeatTargetSchema.safeParse({ grace_seconds: -1 }).success).toBe(false);
    expect(heartbeatTargetSchema.safeParse({ grace_seconds: 30, url: 'x' }).success).toBe(false);
  });
});
