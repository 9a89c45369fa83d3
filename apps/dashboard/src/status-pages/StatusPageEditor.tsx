import type { StatusPage } from '@lighthouse/contracts';
import { useEffect, useMemo, useRef, useState, type FormEvent, type MouseEvent } from 'react';
import { Link, navigate } from '../router';
import { ErrorText, formatTime, Status } from '../ui';
import { useAction, useApi, useAuth } from '../useApi';
import { BadgeEmbeds } from './BadgeEmbeds';
import { OpenStatusPageLink, PublishedBadge } from './parts';
import { StatusPagePreview } from './StatusPagePreview';
import {
  createStatusPage,
  deleteStatusPage,
  fieldErrorsOf,
  getStatusPage,
  listAllSubscriptions,
  MAX_DESCRIPTION,
  MAX_SUBSCRIPTIONS_PER_PAGE,
  MAX_TITLE,
  SLUG_PATTERN,
  SLUG_RULE,
  slugFromTitle,
  statusPageUrl,
  subscriptionName,
  updateStatusPage,
  type StatusPageInput,
} from './statusPagesApi';
import { SubscriptionPicker } from './SubscriptionPicker';
import './status-pages.css';

/** Create (no id) or edit a status page, then preview it and copy its badges. */
export function StatusPageEditor({ id }: { id?: string }) {
  if (!id) return <EditorPage />;
  return <ExistingPage id={id} />;
}

function ExistingPage({ id }: { id: string }) {
  const page = useApi((token, signal) => getStatusPage(token, id, signal), id, {
    fallback: 'Could not load this status page.',
  });
  if (!page.data) {
    return (
      <section className="sp" aria-busy={page.loading}>
        <BackLink />
        <h2>Status page</h2>
        <Status
          loading={page.loading}
          error={page.error}
          retry={() => page.reload()}
          what="the status page"
        />
      </section>
    );
  }
  return <EditorPage initial={page.data} />;
}

function BackLink() {
  return (
    <p className="sp-back">
      <Link to="/status-pages">← Status pages</Link>
    </p>
  );
}

/** A page created here, so its editor (mounted after navigating) can say so once. */
let justCreated: string | null = null;

type FieldKey = 'title' | 'slug' | 'description' | 'published' | 'subscription_ids';
type FieldErrors = Partial<Record<FieldKey, string>>;

/** The element each field's error links to. */
const FIELD_IDS: Record<FieldKey, string> = {
  title: 'sp-title',
  slug: 'sp-slug',
  description: 'sp-description',
  published: 'sp-published',
  subscription_ids: 'sp-subscriptions',
};
const FIELD_LABELS: Record<FieldKey, string> = {
  title: 'Title',
  slug: 'Slug',
  description: 'Description',
  published: 'Published',
  subscription_ids: 'Subscriptions',
};

function isFieldKey(field: string): field is FieldKey {
  return field in FIELD_IDS;
}

interface FormValues {
  title: string;
  slug: string;
  description: string;
  published: boolean;
  subscriptionIds: string[];
}

function valuesOf(page: StatusPage | undefined): FormValues {
  return {
    title: page?.title ?? '',
    slug: page?.slug ?? '',
    description: page?.description ?? '',
    // a new page starts as a draft: publishing is a choice the owner makes
    published: page?.published ?? false,
    subscriptionIds: page?.subscription_ids ?? [],
  };
}

function inputOf(values: FormValues): StatusPageInput {
  const description = values.description.trim();
  return {
    title: values.title.trim(),
    slug: values.slug.trim(),
    description: description === '' ? null : description,
    published: values.published,
    subscription_ids: values.subscriptionIds,
  };
}

/** Only what differs from the saved page, so the audit log names what the owner changed. */
function changesOf(saved: StatusPage, input: StatusPageInput): Partial<StatusPageInput> {
  const changes: Partial<StatusPageInput> = {};
  if (input.title !== saved.title) changes.title = input.title;
  if (input.slug !== saved.slug) changes.slug = input.slug;
  if (input.description !== saved.description) changes.description = input.description;
  if (input.published !== saved.published) changes.published = input.published;
  const same =
    input.subscription_ids.length === saved.subscription_ids.length &&
    input.subscription_ids.every((id, i) => id === saved.subscription_ids[i]);
  if (!same) changes.subscription_ids = input.subscription_ids;
  return changes;
}

/** The rules the API checks, said before it has to refuse. */
function validate(input: StatusPageInput): FieldErrors {
  const errors: FieldErrors = {};
  if (!input.title) errors.title = 'Enter a title.';
  else if (input.title.length > MAX_TITLE) {
    errors.title = `Use at most ${MAX_TITLE} characters.`;
  }
  if (!input.slug) errors.slug = 'Enter a slug.';
  else if (!SLUG_PATTERN.test(input.slug)) errors.slug = `Use ${SLUG_RULE}.`;
  if ((input.description?.length ?? 0) > MAX_DESCRIPTION) {
    errors.description = `Use at most ${MAX_DESCRIPTION} characters.`;
  }
  if (input.subscription_ids.length === 0) errors.subscription_ids = 'Choose at least one.';
  else if (input.subscription_ids.length > MAX_SUBSCRIPTIONS_PER_PAGE) {
    errors.subscription_ids = `Choose at most ${MAX_SUBSCRIPTIONS_PER_PAGE}.`;
  }
  return errors;
}

function EditorPage({ initial }: { initial?: StatusPage }) {
  const { token } = useAuth();
  const [saved, setSaved] = useState<StatusPage | undefined>(initial);
  const [values, setValues] = useState<FormValues>(() => valuesOf(initial));
  // while creating, the slug follows the title until the owner types one
  const [slugEdited, setSlugEdited] = useState(initial !== undefined);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(() => {
    if (!initial || justCreated !== initial.id) return null;
    return initial.published ? 'Status page created and published.' : 'Status page created.';
  });
  useEffect(() => {
    // said once: a later visit of the same page is not a creation
    if (initial && justCreated === initial.id) justCreated = null;
  }, [initial]);
  const save = useAction();
  const summaryRef = useRef<HTMLDivElement>(null);
  const [focusSummary, setFocusSummary] = useState(0);

  const subscriptions = useApi(listAllSubscriptions, 'all-subscriptions', {
    fallback: 'Could not load your subscriptions.',
  });
  const names = useMemo(() => {
    const map = new Map<string, string>();
    for (const s of subscriptions.data?.items ?? []) map.set(s.id, subscriptionName(s));
    return map;
  }, [subscriptions.data]);
  const nameOf = (id: string) => names.get(id) ?? `Subscription ${id}`;

  useEffect(() => {
    if (focusSummary > 0) summaryRef.current?.focus();
  }, [focusSummary]);

  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setNotice(null);
    const field: FieldKey = key === 'subscriptionIds' ? 'subscription_ids' : key;
    if (errors[field]) setErrors(({ [field]: _, ...rest }) => rest);
  };

  const setTitle = (title: string) => {
    setValues((v) => ({ ...v, title, slug: slugEdited ? v.slug : slugFromTitle(title) }));
    setNotice(null);
    if (errors.title) setErrors(({ title: _, ...rest }) => rest);
  };

  const checkSlug = () => {
    const slug = values.slug.trim();
    if (slug && !SLUG_PATTERN.test(slug)) {
      setErrors((e) => ({ ...e, slug: `Use ${SLUG_RULE}.` }));
    }
  };

  /** Field errors of the API's 400/409, mapped onto the form. */
  const showApiErrors = (err: unknown, sent: StatusPageInput): boolean => {
    const issues = fieldErrorsOf(err);
    if (issues.length === 0) return false;
    const mapped: FieldErrors = {};
    const other: string[] = [];
    for (const { field, message } of issues) {
      const list = /^subscription_ids\[(\d+)\]$/.exec(field);
      if (list) {
        const id = sent.subscription_ids[Number(list[1])];
        const text = `${id ? nameOf(id) : 'A subscription'} ${message}.`;
        mapped.subscription_ids = mapped.subscription_ids
          ? `${mapped.subscription_ids} ${text}`
          : text;
      } else if (isFieldKey(field)) {
        mapped[field] = mapped[field] ? `${mapped[field]} ${message}` : message;
      } else {
        other.push(`${field}: ${message}`);
      }
    }
    setErrors(mapped);
    setOtherErrors(other);
    setFocusSummary((n) => n + 1);
    return true;
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (save.busy) return;
    setNotice(null);
    setOtherErrors([]);
    save.clearError();
    const input = inputOf(values);
    const problems = validate(input);
    setErrors(problems);
    if (Object.keys(problems).length > 0) {
      setFocusSummary((n) => n + 1);
      return;
    }
    if (!saved) {
      let created: StatusPage | undefined;
      const ok = await save.run(async () => {
        try {
          created = await createStatusPage(token, input);
        } catch (err) {
          if (showApiErrors(err, input)) return;
          throw err;
        }
      }, 'Could not create the status page.');
      if (ok && created) {
        justCreated = created.id;
        navigate(`/status-pages/${created.id}`, { replace: true });
      }
      return;
    }
    const changes = changesOf(saved, input);
    if (Object.keys(changes).length === 0) {
      setNotice('Nothing to save: the page is as you saved it.');
      return;
    }
    let updated: StatusPage | undefined;
    const ok = await save.run(async () => {
      try {
        updated = await updateStatusPage(token, saved.id, changes);
      } catch (err) {
        if (showApiErrors(err, input)) return;
        throw err;
      }
    }, 'Could not save the status page.');
    if (ok && updated) {
      setSaved(updated);
      setValues(valuesOf(updated));
      setNotice(`Saved at ${formatTime(updated.updated_at)}.`);
    }
  };

  const errorList = [
    ...(Object.entries(errors) as [FieldKey, string][]).map(([field, message]) => ({
      field,
      message,
    })),
  ];
  const jump = (event: MouseEvent<HTMLAnchorElement>, field: FieldKey) => {
    event.preventDefault();
    const el = document.getElementById(FIELD_IDS[field]);
    el?.focus();
    el?.scrollIntoView({ block: 'center' });
  };
  const describe = (field: FieldKey, hint?: string) =>
    [hint, errors[field] ? `${FIELD_IDS[field]}-error` : undefined].filter(Boolean).join(' ') ||
    undefined;
  const dirty = saved ? Object.keys(changesOf(saved, inputOf(values))).length > 0 : true;
  const slugPreview = values.slug.trim() || 'your-slug';

  return (
    <div className="sp">
      <BackLink />
      <div className="sp-head">
        <h2>{saved ? saved.title : 'New status page'}</h2>
        {saved && <PublishedBadge published={saved.published} />}
      </div>

      <form className="card sp-form" onSubmit={(e) => void submit(e)} noValidate>
        {(errorList.length > 0 || otherErrors.length > 0) && (
          <div className="error" role="alert" tabIndex={-1} ref={summaryRef}>
            <p>
              <strong>The page was not saved.</strong> Fix what is marked:
            </p>
            <ul className="sp-error-list">
              {errorList.map(({ field, message }) => (
                <li key={field}>
                  <a href={`#${FIELD_IDS[field]}`} onClick={(e) => jump(e, field)}>
                    {FIELD_LABELS[field]}: {message}
                  </a>
                </li>
              ))}
              {otherErrors.map((text) => (
                <li key={text}>{text}</li>
              ))}
            </ul>
          </div>
        )}

        <div className="sp-field">
          <label htmlFor="sp-title">Title</label>
          <input
            id="sp-title"
            type="text"
            value={values.title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={MAX_TITLE}
            required
            aria-invalid={errors.title ? true : undefined}
            aria-describedby={describe('title')}
            autoComplete="off"
          />
          <FieldError field="title" message={errors.title} />
        </div>

        <div className="sp-field">
          <label htmlFor="sp-slug">Slug</label>
          <input
            id="sp-slug"
            type="text"
            value={values.slug}
            onChange={(e) => {
              setSlugEdited(true);
              set('slug', e.target.value.toLowerCase());
            }}
            onBlur={checkSlug}
            maxLength={64}
            required
            spellCheck={false}
            autoCapitalize="none"
            autoComplete="off"
            aria-invalid={errors.slug ? true : undefined}
            aria-describedby={describe('slug', 'sp-slug-hint')}
          />
          <p id="sp-slug-hint" className="sp-hint">
            Lower-case letters, digits and hyphens (1–64), not starting or ending with a hyphen. The
            page will be at <span className="sp-url">{statusPageUrl(slugPreview)}</span>
          </p>
          <FieldError field="slug" message={errors.slug} />
        </div>

        <div className="sp-field">
          <label htmlFor="sp-description">
            Description <span className="sp-muted">(optional)</span>
          </label>
          <textarea
            id="sp-description"
            value={values.description}
            onChange={(e) => set('description', e.target.value)}
            maxLength={MAX_DESCRIPTION}
            rows={3}
            aria-invalid={errors.description ? true : undefined}
            aria-describedby={describe('description', 'sp-description-hint')}
          />
          <p id="sp-description-hint" className="sp-hint">
            Shown under the title. Up to {MAX_DESCRIPTION} characters; line breaks are kept.
          </p>
          <FieldError field="description" message={errors.description} />
        </div>

        <SubscriptionPicker
          subscriptions={subscriptions.data?.items}
          complete={subscriptions.data?.complete ?? true}
          loading={subscriptions.loading}
          error={subscriptions.error}
          retry={() => subscriptions.reload()}
          selected={values.subscriptionIds}
          onChange={(ids) => set('subscriptionIds', ids)}
          fieldError={errors.subscription_ids}
          errorId="sp-subscriptions-error"
          fieldsetId={FIELD_IDS.subscription_ids}
        />

        <div className="sp-field sp-check">
          <input
            id="sp-published"
            type="checkbox"
            checked={values.published}
            onChange={(e) => set('published', e.target.checked)}
            aria-describedby={describe('published', 'sp-published-hint')}
          />
          <label htmlFor="sp-published">Published</label>
          <p id="sp-published-hint" className="sp-hint">
            Anyone with the link can see a published page and its subscriptions&apos; badges. A
            draft answers “not found”.
          </p>
          <FieldError field="published" message={errors.published} />
        </div>

        <div className="sp-actions">
          {/* aria-disabled, not disabled: a disabled button would drop the keyboard focus */}
          <button type="submit" aria-disabled={save.busy} aria-describedby="sp-save-status">
            Save
          </button>
          <span id="sp-save-status" role="status" aria-live="polite">
            {save.busy ? (saved ? 'Saving…' : 'Creating…') : notice}
          </span>
          {saved && !dirty && !notice && !save.busy && (
            <span className="sp-muted">No unsaved changes.</span>
          )}
        </div>
        <ErrorText error={save.error} />
      </form>

      {saved && (
        <>
          <section className="card sp-section" aria-labelledby="sp-public-title">
            <div className="sp-head">
              <h3 id="sp-public-title">Public page</h3>
              {saved.published && <OpenStatusPageLink slug={saved.slug} />}
            </div>
            {dirty && (
              <p className="sp-note">
                You have unsaved changes: the preview and the badges below show the saved page.
              </p>
            )}
            <StatusPagePreview page={saved} />
          </section>
          <BadgeEmbeds page={saved} nameOf={nameOf} />
          <DeletePanel page={saved} />
        </>
      )}
    </div>
  );
}

function FieldError({ field, message }: { field: FieldKey; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={`${FIELD_IDS[field]}-error`} className="sp-field-error">
      {message}
    </p>
  );
}

/** Delete with an inline confirmation; focus moves into it and back out. */
function DeletePanel({ page }: { page: StatusPage }) {
  const { token } = useAuth();
  const [confirming, setConfirming] = useState(false);
  const remove = useAction();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (wasConfirming.current) openRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const confirm = async () => {
    const ok = await remove.run(
      () => deleteStatusPage(token, page.id),
      'Could not delete the status page.',
    );
    if (ok) navigate('/status-pages');
  };

  return (
    <section className="card sp-section sp-danger" aria-labelledby="sp-delete-title">
      <h3 id="sp-delete-title">Delete</h3>
      {!confirming ? (
        <>
          <p className="sp-muted">
            Deleting removes the public page at once; its subscriptions and their history stay.
          </p>
          <button
            type="button"
            className="secondary sp-danger-button"
            ref={openRef}
            onClick={() => setConfirming(true)}
          >
            Delete status page
          </button>
        </>
      ) : (
        <div role="group" aria-labelledby="sp-delete-question">
          <p id="sp-delete-question">
            Delete “{page.title}”? Visitors of <span className="sp-url">/status/{page.slug}</span>{' '}
            will get “not found”, and badges shown only through this page stop working.
          </p>
          <div className="sp-actions">
            <button
              type="button"
              className="sp-danger-confirm"
              ref={confirmRef}
              aria-disabled={remove.busy}
              onClick={() => {
                if (!remove.busy) void confirm();
              }}
            >
              {remove.busy ? 'Deleting…' : 'Yes, delete'}
            </button>
            <button
              type="button"
              className="secondary"
              aria-disabled={remove.busy}
              onClick={() => {
                if (remove.busy) return;
                remove.clearError();
                setConfirming(false);
              }}
            >
              Cancel
            </button>
          </div>
          <ErrorText error={remove.error} />
        </div>
      )}
    </section>
  );
}
