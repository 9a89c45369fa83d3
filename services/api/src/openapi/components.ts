import {
  createStatusPageSchema,
  responseSchemas,
  updateStatusPageSchema,
  type ResponseName,
} from '@lighthouse/contracts';
import {
  CHANNEL_TYPE_NAMES,
  TARGET_TYPE_NAMES,
  channelTypes,
  maintenanceWindowInput,
  targetTypes,
  type ChannelTypeName,
  type TargetTypeName,
} from '@lighthouse/domain';
import { z } from 'zod';
import { apiKeyBodySchema, linkBodySchema, verifyBodySchema } from '../routes/auth';
import { transferBodySchema } from '../routes/console';
import { probeRequestSchema } from '../services/probe';
import { createSubscriptionSchema, updateSubscriptionSchema } from '../services/subscriptions';

/** Request bodies, as the routes validate them. */
const requestSchemas = {
  AuthVerify: verifyBodySchema,
  AuthLink: linkBodySchema,
  AdminTransfer: transferBodySchema,
  ApiKeyCreate: apiKeyBodySchema,
  SubscriptionCreate: createSubscriptionSchema,
  SubscriptionUpdate: updateSubscriptionSchema,
  MaintenanceWindowInput: maintenanceWindowInput,
  StatusPageCreate: createStatusPageSchema,
  StatusPageUpdate: updateStatusPageSchema,
  ProbeRequest: probeRequestSchema,
} satisfies Record<string, z.ZodType>;

export type ComponentName =
  | ResponseName
  | keyof typeof requestSchemas
  | `Target_${TargetTypeName}`
  | `Channel_${ChannelTypeName}`;

/** What a client may send: defaults are optional, as the API fills them in. */
const requestJson = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

type Node = Record<string, unknown>;

const SAFE_INTEGER = { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

/** The subschemas of a JSON Schema node, by the keywords that hold them. */
function subschemas(node: Node): Node[] {
  const one = (v: unknown): Node[] =>
    v && typeof v === 'object' && !Array.isArray(v) ? [v as Node] : [];
  const many = (v: unknown): Node[] => (Array.isArray(v) ? v.flatMap(one) : []);
  return [
    ...Object.values((node.properties ?? {}) as Node).flatMap(one),
    ...one(node.items),
    ...one(node.additionalProperties),
    ...one(node.propertyNames),
    ...many(node.anyOf),
    ...many(node.oneOf),
    ...many(node.allOf),
  ];
}

/**
 * Keeps a generated answer schema to what a reader needs, in place: no bounds on integers but
 * real ones, no pattern beside a format, and a nullable value as `anyOf: [value, {type: "null"}]` (zod writes
 * `type: [value, "null"]` for scalars), as the rest of the document and its checkers read it.
 */
function tidy(node: Node): Node {
  for (const [key, bound] of Object.entries(SAFE_INTEGER)) {
    if (node[key] === bound) delete node[key];
  }
  // `format: uuid` says it; zod adds the regular expression it checks with
  if (typeof node.format === 'string') delete node.pattern;
  if (Array.isArray(node.type)) {
    const { description, type, ...rest } = node as Node & { type: string[] };
    for (const key of Object.keys(node)) delete node[key];
    Object.assign(node, {
      ...(description === undefined ? {} : { description }),
      anyOf: [
        ...type.filter((t) => t !== 'null').map((t) => ({ ...rest, type: t })),
        { type: 'null' },
      ],
    });
  }
  for (const child of subschemas(node)) tidy(child);
  return node;
}

/** Every answer's schema, generated from the contract, each naming the others by reference. */
function responseComponents(): Record<ResponseName, object> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(responseSchemas)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([name, { $schema: _schema, $id: _id, ...schema }]) => [
      name,
      tidy(schema),
    ]),
  ) as Record<ResponseName, object>;
}

/** `components.schemas`: answers, request bodies, and each target and channel config. */
export function componentSchemas(): Record<ComponentName, object> {
  const requests = Object.fromEntries(
    Object.entries(requestSchemas).map(([name, schema]) => [name, requestJson(schema)]),
  ) as Record<keyof typeof requestSchemas, object>;
  const targets = Object.fromEntries(
    TARGET_TYPE_NAMES.map((name) => [`Target_${name}`, requestJson(targetTypes[name].schema)]),
  ) as Record<`Target_${TargetTypeName}`, object>;
  const channels = Object.fromEntries(
    CHANNEL_TYPE_NAMES.map((name) => [`Channel_${name}`, requestJson(channelTypes[name].schema)]),
  ) as Record<`Channel_${ChannelTypeName}`, object>;
  return { ...responseComponents(), ...requests, ...targets, ...channels };
}
