import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  fillPlaceholders,
  isHttpUrl,
  MAX_MATCHED_CHARS,
  type CanaryExtraction,
  type CanaryStep,
  type CanaryTarget,
  type HttpTarget,
} from '@lighthouse/domain';
import { checkJson, excerpt, MAX_BODY_BYTES, resolveJsonPath, type Json } from './assertions';
import { redact } from './errors';
import { createHttpChecker, type HttpChecker, type HttpExchange, type HttpResponse } from './http';
import { createPatternBudget, type PatternBudget } from './patterns';
import type { Probes } from './probes';
import type { CheckContext, CheckResult, CheckRunner, ErrorCategory, StepResult } from './types';

/** Variable values at least this long are kept out of messages (they are often tokens). */
const SECRET_MIN_LENGTH = 8;
const MAX_REDIRECTS = 5;

type Exchange = HttpChecker['exchange'];

/**
 * A multi-step API flow on the HTTP probe (its SSRF guard, timings and status checks): each
 * step's request is built from the variables earlier steps extracted, sent, asserted on, and
 * mined for new variables. The flow stops at the first step that fails; the check's error
 * names it ("step 2 'login': unexpected status 500, expected 200-299").
 */
export function createCanaryChecker(probes: Pick<Probes, 'http'>): CheckRunner<CanaryTarget> {
  const { exchange } = createHttpChecker(probes);
  return async (config, ctx) => {
    const started = performance.now();
    const deadline = started + config.timeout_ms;
    const vars = new Map<string, string>();
    // one budget for every regex extraction of the flow, all steps together
    const patterns = createPatternBudget();
    const steps: StepResult[] = [];
    let failed: { label: string; step: StepResult; excerpt: string | null } | undefined;
    for (const [index, step] of config.steps.entries()) {
      const label = `step ${index + 1} '${step.name}'`;
      const left = Math.floor(deadline - performance.now());
      let outcome: StepOutcome;
      try {
        outcome =
          left < 1
            ? stepFailure(
                index,
                step,
                'timeout',
                `the flow's timeout_ms (${config.timeout_ms}) ran out`,
              )
            : await runStep(
                exchange,
                ctx,
                index,
                step,
                vars,
                patterns,
                Math.min(step.timeout_ms, left),
              );
      } catch (error) {
        // a bug of ours, not a target failure: still a result, never a throw
        const reason = error instanceof Error ? error.message : String(error);
        outcome = stepFailure(index, step, 'internal', `step failed: ${reason.slice(0, 200)}`);
      }
      steps.push(outcome.step);
      if (outcome.step.status === 'down') {
        failed = { label, step: outcome.step, excerpt: outcome.excerpt };
        break;
      }
    }
    const total = Math.round(performance.now() - started);
    const last = steps[steps.length - 1];
    return {
      status: failed ? 'down' : 'up',
      response_time_ms: total,
      http_status: last?.http_status ?? null,
      timings: { total },
      error_category: failed?.step.error_category ?? null,
      error_message: failed ? `${failed.label}: ${failed.step.error_message ?? 'failed'}` : null,
      body_excerpt: failed?.excerpt ?? null,
      steps,
    } satisfies CheckResult;
  };
}

interface StepOutcome {
  step: StepResult;
  excerpt: string | null;
}

function stepFailure(
  index: number,
  step: CanaryStep,
  category: ErrorCategory,
  message: string,
  from?: HttpExchange['result'],
): StepOutcome {
  return {
    step: {
      index,
      name: step.name,
      status: 'down',
      http_status: from?.http_status ?? null,
      response_time_ms: from?.response_time_ms ?? null,
      timings: from?.timings ?? null,
      error_category: category,
      error_message: message,
    },
    excerpt: from?.body_excerpt ?? null,
  };
}

async function runStep(
  exchange: Exchange,
  ctx: CheckContext,
  index: number,
  step: CanaryStep,
  vars: Map<string, string>,
  patterns: PatternBudget,
  timeoutMs: number,
): Promise<StepOutcome> {
  const request = buildRequest(step, vars, timeoutMs);
  if (typeof request === 'string') return stepFailure(index, step, 'assertion', request);
  const { result, response } = await exchange(request, ctx);
  const secrets = [
    ...Object.values(request.headers),
    ...[...vars.values()].filter((v) => v.length >= SECRET_MIN_LENGTH),
  ];
  if (result.status === 'down' || response === undefined) {
    const message = result.error_message ?? 'request failed';
    return stepFailure(
      index,
      step,
      result.error_category ?? 'internal',
      redact(message, secrets),
      result,
    );
  }
  const problem = await assertAndExtract(
    step,
    response,
    result.response_time_ms ?? 0,
    vars,
    patterns,
  );
  if (problem !== null) {
    return {
      ...stepFailure(index, step, 'assertion', redact(problem, secrets), result),
      excerpt: excerpt(response.body),
    };
  }
  return {
    step: {
      index,
      name: step.name,
      status: 'up',
      http_status: result.http_status,
      response_time_ms: result.response_time_ms,
      timings: result.timings,
      error_category: null,
      error_message: null,
    },
    excerpt: null,
  };
}

/**
 * The step's request with its placeholders filled: in the URL, percent-encoded (unless the
 * placeholder starts the URL, where it may stand for a whole base URL); in header values and
 * the body, as they are. A string is the reason the request cannot be made.
 */
function buildRequest(
  step: CanaryStep,
  vars: Map<string, string>,
  timeoutMs: number,
): HttpTarget | string {
  const value = (name: string): string => vars.get(name) ?? '';
  const url = fillPlaceholders(step.url, (name, offset) =>
    offset === 0 ? value(name) : encodeURIComponent(value(name)),
  );
  if (!isHttpUrl(url))
    return 'the URL is not an absolute http(s) URL once its variables are filled in';
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(step.headers ?? {})) {
    const filled = fillPlaceholders(template, value);
    if (/[\r\n\0]/.test(filled)) {
      return `header ${name}: a variable's value holds a line break and cannot be sent`;
    }
    headers[name] = filled;
  }
  return {
    url,
    method: step.method,
    headers,
    ...(step.body === undefined ? {} : { body: fillPlaceholders(step.body, value) }),
    timeout_ms: timeoutMs,
    follow_redirects: step.follow_redirects,
    max_redirects: MAX_REDIRECTS,
    valid_status_codes: step.assert?.status ?? ['200-299'],
  };
}

/** Body, JSON and latency assertions, then extractions; the first problem, or null. */
async function assertAndExtract(
  step: CanaryStep,
  response: HttpResponse,
  latencyMs: number,
  vars: Map<string, string>,
  patterns: PatternBudget,
): Promise<string | null> {
  const text = response.body.toString('utf8');
  const tooBig = `the body is larger than ${MAX_BODY_BYTES} bytes`;
  const expect = step.assert;
  if (expect?.body_contains !== undefined && !text.includes(expect.body_contains)) {
    const shown = JSON.stringify(expect.body_contains.slice(0, 80));
    return response.truncated
      ? `${shown} not found in the first ${MAX_BODY_BYTES} bytes of the body`
      : `the body does not contain ${shown}`;
  }
  for (const assertion of expect?.json ?? []) {
    const problem = response.truncated
      ? `JSON assertion failed: ${tooBig}`
      : checkJson(assertion, text);
    if (problem !== null) return problem;
  }
  if (expect?.max_latency_ms !== undefined && latencyMs > expect.max_latency_ms) {
    return `took ${latencyMs} ms, over max_latency_ms ${expect.max_latency_ms}`;
  }
  let document: { value: Json } | string | undefined;
  const json = (): { value: Json } | string => {
    if (document !== undefined) return document;
    if (response.truncated) return (document = tooBig);
    try {
      document = { value: JSON.parse(text) as Json };
    } catch {
      document = 'the body is not valid JSON';
    }
    return document;
  };
  for (const extraction of step.extract ?? []) {
    // each regex run may hold the event loop up to PATTERN_SLICE_MS: let others in between
    if (extraction.from === 'regex') await nextTurn();
    const value = extract(extraction, response, text, json, patterns);
    if (typeof value !== 'string')
      return `could not extract {{${extraction.var}}}: ${value.problem}`;
    vars.set(extraction.var, value);
  }
  return null;
}

function extract(
  extraction: CanaryExtraction,
  response: HttpResponse,
  text: string,
  json: () => { value: Json } | string,
  patterns: PatternBudget,
): string | { problem: string } {
  switch (extraction.from) {
    case 'json': {
      const document = json();
      if (typeof document === 'string') return { problem: document };
      const found = resolveJsonPath(document.value, extraction.path);
      if (found === undefined) return { problem: `${extraction.path} is not in the JSON body` };
      if (found === null) return { problem: `${extraction.path} is null` };
      return typeof found === 'object' ? JSON.stringify(found) : String(found);
    }
    case 'header': {
      const values = headerValues(response, extraction.header);
      if (values.length === 0) return { problem: `no ${extraction.header} header in the response` };
      return values.join(', ');
    }
    case 'regex': {
      const { pattern, problem } = patterns.compile(extraction.pattern);
      // validated at creation; a pattern stored before RE2 checked them may still be refused here
      if (pattern === undefined) return { problem: `the pattern cannot run: it ${problem}` };
      const shown = `/${extraction.pattern.slice(0, 80)}/`;
      if (extraction.header === undefined) {
        const outcome = patterns.exec(pattern, text);
        if (!outcome.ok) return { problem: outcome.problem };
        if (outcome.value !== null) return outcome.value[1] ?? outcome.value[0] ?? '';
        const where =
          text.length > MAX_MATCHED_CHARS
            ? `the first ${MAX_MATCHED_CHARS} characters of the body`
            : 'the body';
        return { problem: `${shown} does not match ${where}` };
      }
      const values = headerValues(response, extraction.header);
      if (values.length === 0) return { problem: `no ${extraction.header} header in the response` };
      const outcome = patterns.execHeaderValues(pattern, values, extraction.header);
      if (!outcome.ok) return { problem: outcome.problem };
      if (outcome.value !== null) return outcome.value[1] ?? outcome.value[0] ?? '';
      return { problem: `${shown} does not match the ${extraction.header} header` };
    }
  }
}

function headerValues(response: HttpResponse, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    values.push(...(Array.isArray(value) ? value : [value]));
  }
  return values;
}
