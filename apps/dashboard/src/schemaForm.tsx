import type { ReactNode } from 'react';
import type { FieldError } from './api';

/**
 * Form fields generated from the API's own OpenAPI document (JSON Schema 2020-12, as zod
 * writes it), so every target type and channel gets a form that matches what the API accepts.
 * Each field edits a raw value (text or a checkbox); `readValues` turns them back into JSON and
 * reports what does not parse. The API still validates everything and names bad fields.
 */
export interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
}

export type Raw = string | boolean;
export type RawValues = Record<string, Raw>;

export type { FieldError } from './api';

type Kind =
  | { kind: 'text'; input: 'text' | 'email' | 'url' | 'password' }
  | { kind: 'number'; integer: boolean }
  | { kind: 'select'; options: string[] }
  | { kind: 'checkbox' }
  | { kind: 'tristate' }
  | { kind: 'scalar' }
  | { kind: 'list'; item: JsonSchema; single: boolean }
  | { kind: 'json' };

/** `X | null` is an optional X. */
function unwrapNull(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const branches = schema.anyOf?.filter((s) => s.type !== 'null');
  if (schema.anyOf && branches && branches.length === 1 && branches[0]) {
    return { schema: { ...branches[0], default: schema.default }, nullable: true };
  }
  return { schema, nullable: false };
}

const isScalar = (s: JsonSchema) =>
  s.type === 'string' || s.type === 'integer' || s.type === 'number' || s.enum !== undefined;

function kindOf(name: string, raw: JsonSchema): Kind {
  const { schema } = unwrapNull(raw);
  if (schema.enum) return { kind: 'select', options: schema.enum.map(String) };
  if (schema.type === 'boolean') {
    return schema.default === undefined ? { kind: 'tristate' } : { kind: 'checkbox' };
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return { kind: 'number', integer: schema.type === 'integer' };
  }
  if (schema.type === 'string') {
    const secret = /secret|token|password/.test(name);
    const input = secret ? 'password' : schema.format === 'email' ? 'email' : 'text';
    return { kind: 'text', input };
  }
  if (schema.type === 'array' && schema.items && listable(schema.items)) {
    return { kind: 'list', item: schema.items, single: false };
  }
  if (schema.anyOf?.every(isScalar)) return { kind: 'scalar' };
  // one value or a list of them (an email channel's `to`)
  const list = schema.anyOf?.find((s) => s.type === 'array');
  if (
    list?.items &&
    schema.anyOf?.every((s) => s === list || isScalar(s)) &&
    listable(list.items)
  ) {
    return { kind: 'list', item: list.items, single: true };
  }
  return { kind: 'json' };
}

function listable(item: JsonSchema): boolean {
  return isScalar(item) || Boolean(item.anyOf?.every(isScalar));
}

/** a number where the schema allows one and the text is one, else the text */
function scalar(text: string, schema: JsonSchema): unknown {
  const options = schema.anyOf ?? [schema];
  const numeric = options.some((s) => s.type === 'integer' || s.type === 'number');
  if (numeric && /^-?\d+(\.\d+)?$/.test(text)) {
    const stringAllowed = options.some((s) => s.type === 'string');
    // a string pattern may also accept digits (a Telegram chat id): prefer the number
    if (!stringAllowed || Number.isSafeInteger(Number(text))) return Number(text);
  }
  return text;
}

export function humanize(name: string): string {
  const units: Record<string, string> = {
    ms: 'ms',
    seconds: 'seconds',
    minutes: 'minutes',
    hours: 'hours',
    days: 'days',
  };
  const parts = name.split('_');
  const last = parts.at(-1) ?? '';
  const unit = parts.length > 1 ? units[last] : undefined;
  const words = (unit ? parts.slice(0, -1) : parts).join(' ');
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  return unit ? `${label} (${unit})` : label.replace(/\burl\b/i, 'URL').replace(/\bid\b/, 'ID');
}

/** a scalar as text; anything else as JSON */
const asText = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);

/** The raw form values for `value` (an existing config) or the schema's defaults. */
export function rawValues(schema: JsonSchema, value?: Record<string, unknown>): RawValues {
  const out: RawValues = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const kind = kindOf(name, prop);
    const current = value?.[name] ?? (value ? undefined : unwrapNull(prop).schema.default);
    if (kind.kind === 'checkbox') out[name] = Boolean(current ?? prop.default);
    else if (current === undefined || current === null) out[name] = '';
    else if (kind.kind === 'list') {
      out[name] = (Array.isArray(current) ? current : [current]).map(asText).join('\n');
    } else if (kind.kind === 'json') out[name] = JSON.stringify(current, null, 2);
    else out[name] = asText(current);
  }
  return out;
}

/**
 * JSON for the API from raw values: empty optional fields are left out (the API applies its
 * defaults) or, where the schema allows null, sent as null; empty required ones are reported. `errors` maps a property name to what is wrong.
 */
export function readValues(
  schema: JsonSchema,
  raw: RawValues,
): { value: Record<string, unknown>; errors: Record<string, string> } {
  const value: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const kind = kindOf(name, prop);
    const input = raw[name];
    if (kind.kind === 'checkbox') {
      value[name] = Boolean(input);
      continue;
    }
    const text = typeof input === 'string' ? input.trim() : '';
    if (text === '') {
      if (required.has(name)) errors[name] = 'is required';
      // a field that can be null is cleared by leaving it empty (a reminder interval: never)
      else if (unwrapNull(prop).nullable) value[name] = null;
      continue;
    }
    switch (kind.kind) {
      case 'tristate':
        value[name] = text === 'true';
        break;
      case 'number': {
        const n = Number(text);
        if (!Number.isFinite(n) || (kind.integer && !Number.isInteger(n))) {
          errors[name] = kind.integer ? 'must be a whole number' : 'must be a number';
        } else value[name] = n;
        break;
      }
      case 'list': {
        const items = text
          .split(/\r?\n|,/)
          .map((s) => s.trim())
          .filter(Boolean)
          .map((s) => scalar(s, kind.item));
        value[name] = kind.single && items.length === 1 ? items[0] : items;
        break;
      }
      case 'scalar':
        value[name] = scalar(text, unwrapNull(prop).schema);
        break;
      case 'json':
        try {
          value[name] = JSON.parse(text) as unknown;
        } catch {
          errors[name] = 'is not valid JSON';
        }
        break;
      default:
        value[name] = text;
    }
  }
  return { value, errors };
}

/** The API's errors for `path` and everything under it. */
export function errorsAt(errors: FieldError[], path: string): string[] {
  return errors
    .filter(
      (e) => e.field === path || e.field.startsWith(`${path}.`) || e.field.startsWith(`${path}[`),
    )
    .map((e) => (e.field === path ? e.message : `${e.field.slice(path.length + 1)}: ${e.message}`));
}

function hint(name: string, schema: JsonSchema, kind: Kind): string | undefined {
  const { schema: s } = unwrapNull(schema);
  const parts: string[] = [];
  if (s.description) parts.push(s.description);
  if (kind.kind === 'list') parts.push('one per line');
  if (kind.kind === 'json') parts.push('JSON');
  if (s.minimum !== undefined && s.maximum !== undefined) parts.push(`${s.minimum}–${s.maximum}`);
  if (s.default !== undefined && kind.kind !== 'checkbox') {
    parts.push(
      `default ${Array.isArray(s.default) ? s.default.join(', ') : JSON.stringify(s.default)}`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * One input per property of `schema`. `path` prefixes the API's field paths
 * (e.g. `target_config`), `id` keeps element ids unique on the page.
 */
export function SchemaFields({
  schema,
  raw,
  onChange,
  id,
  path,
  errors,
  localErrors = {},
}: {
  schema: JsonSchema;
  raw: RawValues;
  onChange: (name: string, value: Raw) => void;
  id: string;
  path: string;
  errors: FieldError[];
  localErrors?: Record<string, string>;
}) {
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, prop]) => {
        const kind = kindOf(name, prop);
        const inputId = `${id}-${name}`;
        const messages = [
          ...(localErrors[name] ? [localErrors[name]] : []),
          ...errorsAt(errors, `${path}.${name}`),
        ];
        const help = hint(name, prop, kind);
        const described = [help && `${inputId}-hint`, messages.length > 0 && `${inputId}-error`]
          .filter(Boolean)
          .join(' ');
        const common = {
          id: inputId,
          name,
          'aria-invalid': messages.length > 0 || undefined,
          'aria-describedby': described || undefined,
          required: required.has(name),
        };
        const value = raw[name];
        const text = typeof value === 'string' ? value : '';
        let control: ReactNode;
        switch (kind.kind) {
          case 'checkbox':
            control = (
              <input
                {...common}
                type="checkbox"
                required={false}
                checked={Boolean(value)}
                onChange={(e) => onChange(name, e.target.checked)}
              />
            );
            break;
          case 'tristate':
          case 'select': {
            const options = kind.kind === 'tristate' ? ['true', 'false'] : kind.options;
            control = (
              <select {...common} value={text} onChange={(e) => onChange(name, e.target.value)}>
                {(!required.has(name) || text === '') && (
                  <option value="">{required.has(name) ? 'Choose…' : '(default)'}</option>
                )}
                {options.map((o) => (
                  <option key={o} value={o}>
                    {o === 'true' && kind.kind === 'tristate'
                      ? 'yes'
                      : o === 'false' && kind.kind === 'tristate'
                        ? 'no'
                        : o}
                  </option>
                ))}
              </select>
            );
            break;
          }
          case 'number': {
            const s = unwrapNull(prop).schema;
            control = (
              <input
                {...common}
                type="number"
                inputMode={kind.integer ? 'numeric' : 'decimal'}
                step={kind.integer ? 1 : 'any'}
                min={s.minimum ?? s.exclusiveMinimum}
                max={s.maximum}
                value={text}
                onChange={(e) => onChange(name, e.target.value)}
              />
            );
            break;
          }
          case 'list':
          case 'json':
            control = (
              <textarea
                {...common}
                rows={kind.kind === 'json' ? 4 : 3}
                spellCheck={false}
                value={text}
                onChange={(e) => onChange(name, e.target.value)}
              />
            );
            break;
          default:
            control = (
              <input
                {...common}
                type={kind.kind === 'text' ? kind.input : 'text'}
                autoComplete={kind.kind === 'text' && kind.input === 'password' ? 'off' : undefined}
                spellCheck={false}
                maxLength={unwrapNull(prop).schema.maxLength}
                value={text}
                onChange={(e) => onChange(name, e.target.value)}
              />
            );
        }
        return (
          <div key={name} className={`field${kind.kind === 'checkbox' ? ' checkbox' : ''}`}>
            <label htmlFor={inputId}>
              {humanize(name)}
              {required.has(name) && <span aria-hidden="true"> *</span>}
            </label>
            {control}
            {help && (
              <small id={`${inputId}-hint`} className="hint">
                {help}
              </small>
            )}
            {messages.length > 0 && (
              <small id={`${inputId}-error`} className="field-error">
                {messages.join('; ')}
              </small>
            )}
          </div>
        );
      })}
    </>
  );
}
