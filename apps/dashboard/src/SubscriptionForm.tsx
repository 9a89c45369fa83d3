import type { Region, Subscription, Tier, WholeList } from '@lighthouse/contracts';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, apiRequest, fieldErrorsOf } from './api';
import { PaymentTerms } from './payments/PaymentTerms';
import { Link, navigate } from './router';
import {
  SchemaFields,
  errorsAt,
  readValues,
  rawValues,
  type FieldError,
  type JsonSchema,
  type RawValues,
} from './schemaForm';
import { useInstance } from './instance';
import { Status } from './ui';
import { errorMessage, useApi, useAuth } from './useApi';

interface FormSchemas {
  subscription: JsonSchema;
  targets: Record<string, JsonSchema>;
  channels: Record<string, JsonSchema>;
  tiers: Tier[];
}

/** fields of the subscription with their own controls; the rest are generated */
const OWN_CONTROLS = new Set([
  'name',
  'target_type',
  'target_config',
  'tier',
  'alert_channels',
  'regions',
  'quorum',
]);

/** the quorum's words, as the select offers them before the numbers */
const QUORUM_WORDS = [
  ['majority', 'A majority of them (default)'],
  ['any', 'Any one of them'],
  ['all', 'All of them'],
] as const;

let schemas: Promise<FormSchemas> | undefined;

/** The API's OpenAPI document and tiers, fetched once per page load. */
function loadSchemas(signal: AbortSignal): Promise<FormSchemas> {
  schemas ??= Promise.all([
    apiRequest<{ components: { schemas: Record<string, JsonSchema> } }>('/openapi.json'),
    apiRequest<WholeList<Tier>>('/v1/tiers'),
  ]).then(([doc, tiers]) => {
    const all = doc.components.schemas;
    const pick = (prefix: string) =>
      Object.fromEntries(
        Object.entries(all)
          .filter(([name]) => name.startsWith(prefix))
          .map(([name, schema]) => [name.slice(prefix.length), schema]),
      );
    const subscription = all.SubscriptionCreate;
    if (!subscription) throw new Error('the API document has no SubscriptionCreate schema');
    return {
      subscription,
      targets: pick('Target_'),
      channels: pick('Channel_'),
      tiers: tiers.items,
    };
  });
  schemas.catch(() => (schemas = undefined));
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    schemas?.then(resolve, reject);
  });
}

interface ChannelDraft {
  key: number;
  id?: string;
  type: string;
  language: string;
  raw: RawValues;
}

let nextKey = 1;

export function SubscriptionForm({ id }: { id?: string }) {
  const loaded = useApi(
    async (token, signal) => {
      const [forms, regions, existing] = await Promise.all([
        loadSchemas(signal),
        // the regions with live checkers now: not cached, they come and go
        apiRequest<WholeList<Region>>('/v1/regions', { signal }),
        id
          ? apiRequest<Subscription>(`/v1/subscriptions/${id}`, { token, signal })
          : Promise.resolve(undefined),
      ]);
      return { forms, regions: regions.items, existing };
    },
    id ?? 'new',
    { fallback: 'Could not load the form.' },
  );
  return (
    <section aria-labelledby="form-title">
      <h2 id="form-title">{id ? 'Edit subscription' : 'New subscription'}</h2>
      <Status
        loading={loaded.loading}
        error={loaded.error}
        retry={() => loaded.reload()}
        what="the form"
      />
      {loaded.data && !loaded.loading && (
        <Editor
          forms={loaded.data.forms}
          regions={loaded.data.regions}
          existing={loaded.data.existing}
        />
      )}
    </section>
  );
}

function Editor({
  forms,
  regions,
  existing,
}: {
  forms: FormSchemas;
  regions: Region[];
  existing?: Subscription;
}) {
  const { token, onUnauthorized } = useAuth();
  const targetTypes = Object.keys(forms.targets);
  const channelTypes = Object.keys(forms.channels);
  const [name, setName] = useState(existing?.name ?? '');
  const [targetType, setTargetType] = useState(existing?.target_type ?? targetTypes[0] ?? 'http');
  const [tier, setTier] = useState(existing?.tier ?? forms.tiers[0]?.name ?? 'free');
  // one draft per target type, so switching types and back keeps what was typed
  const [targets, setTargets] = useState<Record<string, RawValues>>(() =>
    Object.fromEntries(
      Object.entries(forms.targets).map(([type, schema]) => [
        type,
        rawValues(schema, type === existing?.target_type ? existing.target_config : undefined),
      ]),
    ),
  );
  const settingsSchema: JsonSchema = {
    ...forms.subscription,
    required: [],
    properties: Object.fromEntries(
      Object.entries(forms.subscription.properties ?? {}).filter(([n]) => !OWN_CONTROLS.has(n)),
    ),
  };
  const [settings, setSettings] = useState<RawValues>(() => rawValues(settingsSchema, existing));
  const [channels, setChannels] = useState<ChannelDraft[]>(() =>
    (existing?.alert_channels ?? []).map((c) => ({
      key: nextKey++,
      id: c.id,
      type: c.type,
      language: c.language ?? '',
      raw: rawValues(forms.channels[c.type] ?? {}, c.config),
    })),
  );
  // the live regions, and any the subscription is checked from that are not live now
  const regionNames = [...new Set([...regions.map((r) => r.region), ...(existing?.regions ?? [])])];
  const [ticked, setTicked] = useState<string[]>(existing?.regions ?? []);
  const [quorum, setQuorum] = useState(String(existing?.quorum ?? 'majority'));
  // one live region (a self-hoster's usual instance): nothing to choose; a heartbeat is pushed
  const chooseRegions = regionNames.length > 1 && targetType !== 'heartbeat';
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [local, setLocal] = useState<Record<string, Record<string, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [payment, setPayment] = useState<{ error: ApiError; body: unknown } | null>(null);
  const [created, setCreated] = useState<Subscription | null>(null);
  const summary = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (failure || errors.length > 0) summary.current?.focus();
  }, [failure, errors]);

  const tierInfo = forms.tiers.find((t) => t.name === tier);
  // a self-hosted instance has one tier, free: nothing to choose, no prices
  const { instance } = useInstance();
  const oneTier = instance !== null && !instance.features.tiers;
  const targetSchema = forms.targets[targetType] ?? {};
  const defaultRegion = regions.find((r) => r.default)?.region;

  const build = (): unknown => {
    const problems: Record<string, Record<string, string>> = {};
    const target = readValues(targetSchema, targets[targetType] ?? {});
    problems.target = target.errors;
    const rest = readValues(settingsSchema, settings);
    problems.settings = rest.errors;
    const alertChannels = channels.map((c) => {
      const config = readValues(forms.channels[c.type] ?? {}, c.raw);
      problems[`channel-${c.key}`] = config.errors;
      return {
        ...(c.id ? { id: c.id } : {}),
        type: c.type,
        config: config.value,
        language: c.language || null,
      };
    });
    setLocal(problems);
    if (Object.values(problems).some((p) => Object.keys(p).length > 0)) return undefined;
    return {
      name: name.trim() || undefined,
      target_type: targetType,
      target_config: target.value,
      tier,
      alert_channels: alertChannels,
      ...rest.value,
      ...(chooseRegions ? regionFields() : {}),
    };
  };

  // none ticked: null, the default region; regions left as they were are not sent again
  const regionFields = () => {
    const unchanged =
      existing?.regions.length === ticked.length &&
      ticked.every((r) => existing.regions.includes(r));
    return {
      ...(unchanged ? {} : { regions: ticked.length > 0 ? ticked : null }),
      quorum: /^\d+$/.test(quorum) ? Number(quorum) : quorum,
    };
  };

  const tick = (region: string, on: boolean) => {
    const next = regionNames.filter((r) => (r === region ? on : ticked.includes(r)));
    setTicked(next);
    if (Number(quorum) > next.length) setQuorum('majority');
  };

  const send = async (body: unknown, headers?: Record<string, string>) => {
    const saved = await apiRequest<Subscription>(
      existing ? `/v1/subscriptions/${existing.id}` : '/v1/subscriptions',
      { method: existing ? 'PATCH' : 'POST', token, body, headers },
    );
    if (saved.push_url) setCreated(saved);
    else navigate(`/subscriptions/${saved.id}`);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors([]);
    setFailure(null);
    const body = build();
    if (body === undefined) {
      setFailure('Some fields need attention.');
      return;
    }
    setBusy(true);
    try {
      await send(body);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return onUnauthorized();
      if (err instanceof ApiError && err.status === 402) {
        setPayment({ error: err, body });
        return;
      }
      setErrors(fieldErrorsOf(err));
      setFailure(errorMessage(err, 'Could not save the subscription.'));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <div className="card" role="status">
        <h3>Subscription created</h3>
        <p>
          Send a request to this heartbeat URL from your job on every run. It is shown only now:
          copy it somewhere safe.
        </p>
        <pre className="code">
          <code>{created.push_url}</code>
        </pre>
        <Link to={`/subscriptions/${created.id}`} className="button">
          Go to the subscription
        </Link>
      </div>
    );
  }

  const setChannel = (key: number, change: Partial<ChannelDraft>) =>
    setChannels((all) => all.map((c) => (c.key === key ? { ...c, ...change } : c)));

  return (
    <form className="subscription-form" onSubmit={(e) => void submit(e)} noValidate>
      <div ref={summary} tabIndex={-1}>
        {failure && (
          <div className="error" role="alert">
            <p>{failure}</p>
            {errors.length > 0 && (
              <ul>
                {errors.map((e) => (
                  <li key={`${e.field}:${e.message}`}>
                    <code>{e.field}</code>: {e.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>

      <fieldset className="card">
        <legend>What to check</legend>
        <div className="field">
          <label htmlFor="sub-name">Name</label>
          <input
            id="sub-name"
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
            aria-describedby="sub-name-hint"
          />
          <small id="sub-name-hint" className="hint">
            shown in alerts; defaults to the target
          </small>
          <FieldErrors errors={errors} path="name" />
        </div>
        <div className="field">
          <label htmlFor="sub-type">Check type</label>
          <select id="sub-type" value={targetType} onChange={(e) => setTargetType(e.target.value)}>
            {targetTypes.map((t) => (
              <option
                key={t}
                value={t}
                disabled={tierInfo && !tierInfo.allowed_target_types.includes(t)}
              >
                {t}
                {tierInfo && !tierInfo.allowed_target_types.includes(t)
                  ? ` (not on ${tierInfo.label})`
                  : ''}
              </option>
            ))}
          </select>
          <FieldErrors errors={errors} path="target_type" />
        </div>
        <SchemaFields
          key={targetType}
          schema={targetSchema}
          raw={targets[targetType] ?? {}}
          onChange={(field, value) =>
            setTargets((all) => ({ ...all, [targetType]: { ...all[targetType], [field]: value } }))
          }
          id={`target-${targetType}`}
          path="target_config"
          errors={errors}
          localErrors={local.target}
        />
      </fieldset>

      <fieldset className="card">
        <legend>{oneTier ? 'Schedule' : 'Plan and schedule'}</legend>
        {oneTier ? (
          tierInfo && (
            <p className="hint">
              Every check type, as often as every {tierInfo.min_interval_seconds} s, up to{' '}
              {tierInfo.max_channels} channels.
            </p>
          )
        ) : (
          <div className="field">
            <label htmlFor="sub-tier">Tier</label>
            <select
              id="sub-tier"
              value={tier}
              onChange={(e) => setTier(e.target.value)}
              aria-describedby="sub-tier-hint"
            >
              {forms.tiers.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.label}
                  {t.paid ? ` — ${t.price_usdc_per_30_days} USDC / 30 days` : ' — free'}
                </option>
              ))}
            </select>
            {tierInfo && (
              <small id="sub-tier-hint" className="hint">
                checks as often as every {tierInfo.min_interval_seconds} s, up to{' '}
                {tierInfo.max_channels} channels
                {tierInfo.paid && !existing ? '; you pay with your wallet when you create it' : ''}
              </small>
            )}
            <FieldErrors errors={errors} path="tier" />
          </div>
        )}
        <SchemaFields
          schema={settingsSchema}
          raw={settings}
          onChange={(field, value) => setSettings((all) => ({ ...all, [field]: value }))}
          id="settings"
          path=""
          errors={errors.map((e) => ({ ...e, field: `.${e.field}` }))}
          localErrors={local.settings}
        />
      </fieldset>

      {chooseRegions && (
        <fieldset className="card" aria-describedby="sub-regions-hint">
          <legend>Regions</legend>
          <p id="sub-regions-hint" className="hint">
            Checked from each region ticked
            {tierInfo && !oneTier ? ` (up to ${tierInfo.max_regions} on this tier)` : ''}; none
            ticked: the default region
            {defaultRegion ? `, ${defaultRegion}` : ''}.
          </p>
          {regionNames.map((region) => (
            <div key={region} className="field checkbox">
              <input
                id={`sub-region-${region}`}
                type="checkbox"
                checked={ticked.includes(region)}
                onChange={(e) => tick(region, e.target.checked)}
              />
              <label htmlFor={`sub-region-${region}`}>
                {region}
                {region === defaultRegion ? ' (default)' : ''}
              </label>
              {!regions.some((r) => r.region === region) && (
                <small className="hint">no live checker: its checks are missing</small>
              )}
            </div>
          ))}
          <FieldErrors errors={errors} path="regions" />
          <div className="field">
            <label htmlFor="sub-quorum">Regions that must agree</label>
            <select
              id="sub-quorum"
              value={quorum}
              onChange={(e) => setQuorum(e.target.value)}
              aria-describedby="sub-quorum-hint"
            >
              {QUORUM_WORDS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
              {ticked.map((_, i) => (
                <option key={i + 1} value={String(i + 1)}>
                  {i + 1} of them
                </option>
              ))}
            </select>
            <small id="sub-quorum-hint" className="hint">
              before its state changes to down or degraded; a region not heard from is missing,
              never down
            </small>
            <FieldErrors errors={errors} path="quorum" />
          </div>
        </fieldset>
      )}

      <fieldset className="card">
        <legend>Alert channels</legend>
        {channels.length === 0 && (
          <p className="hint">No channels: state changes are recorded but nobody is told.</p>
        )}
        {channels.map((c, index) => (
          <fieldset key={c.key} className="channel">
            <legend>
              Channel {index + 1}: {c.type}
            </legend>
            <div className="field">
              <label htmlFor={`channel-${c.key}-type`}>Channel type</label>
              <select
                id={`channel-${c.key}-type`}
                value={c.type}
                disabled={Boolean(c.id)}
                onChange={(e) =>
                  setChannel(c.key, {
                    type: e.target.value,
                    raw: rawValues(forms.channels[e.target.value] ?? {}),
                  })
                }
              >
                {channelTypes.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </div>
            <SchemaFields
              schema={forms.channels[c.type] ?? {}}
              raw={c.raw}
              onChange={(field, value) => setChannel(c.key, { raw: { ...c.raw, [field]: value } })}
              id={`channel-${c.key}`}
              path={`alert_channels[${index}].config`}
              errors={errors}
              localErrors={local[`channel-${c.key}`]}
            />
            <div className="field">
              <label htmlFor={`channel-${c.key}-language`}>Language</label>
              <select
                id={`channel-${c.key}-language`}
                value={c.language}
                onChange={(e) => setChannel(c.key, { language: e.target.value })}
              >
                <option value="">Your default</option>
                <option value="en">English</option>
                <option value="es">Español</option>
              </select>
            </div>
            <FieldErrors
              errors={errors.filter((e) => !e.field.startsWith(`alert_channels[${index}].config`))}
              path={`alert_channels[${index}]`}
            />
            <button
              type="button"
              className="secondary"
              onClick={() => setChannels((all) => all.filter((x) => x.key !== c.key))}
            >
              Remove channel {index + 1}
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setChannels((all) => [
              ...all,
              {
                key: nextKey++,
                type: channelTypes[0] ?? 'webhook',
                language: '',
                raw: rawValues(forms.channels[channelTypes[0] ?? 'webhook'] ?? {}),
              },
            ])
          }
        >
          Add a channel
        </button>
      </fieldset>

      {payment ? (
        <PaymentTerms
          error={payment.error}
          action={existing ? 'Change the tier' : 'Create the subscription'}
          onSigned={(headers) => send(payment.body, headers)}
          onCancel={() => setPayment(null)}
        />
      ) : (
        <div className="actions">
          <button type="submit" disabled={busy} aria-busy={busy}>
            {busy ? 'Saving…' : existing ? 'Save changes' : 'Create subscription'}
          </button>
          <Link to={existing ? `/subscriptions/${existing.id}` : '/'} className="button secondary">
            Cancel
          </Link>
        </div>
      )}
    </form>
  );
}

function FieldErrors({ errors, path }: { errors: FieldError[]; path: string }) {
  const messages = errorsAt(errors, path);
  if (messages.length === 0) return null;
  return <small className="field-error">{messages.join('; ')}</small>;
}
