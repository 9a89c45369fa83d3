/**
 * Problems with `value` as an answer the OpenAPI document describes with `schema`: keys the
 * schema does not list, required keys missing, types and enums that do not match, following
 * `$ref`s into components. Enough to keep the document and the routes' answers in step;
 * not a full JSON Schema validator.
 */
export interface SchemaNode {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  anyOf?: SchemaNode[];
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
  items?: SchemaNode;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      { responses?: Record<string, { content?: Record<string, { schema?: SchemaNode }> }> }
    >
  >;
  components: { schemas: Record<string, SchemaNode> };
}

/** The JSON schema the document gives for one answer of one operation. */
export function responseSchema(
  doc: OpenApiDocument,
  path: string,
  method: string,
  status = '200',
): SchemaNode {
  const schema =
    doc.paths[path]?.[method]?.responses?.[status]?.content?.['application/json']?.schema;
  if (!schema)
    throw new Error(`/openapi.json documents no JSON body for ${method} ${path} ${status}`);
  return schema;
}

export function schemaProblems(
  doc: OpenApiDocument,
  schema: SchemaNode,
  value: unknown,
  at = '$',
): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    return target ? schemaProblems(doc, target, value, at) : [`${at}: no schema ${name}`];
  }
  if (schema.anyOf) {
    const fits = schema.anyOf.some((s) => schemaProblems(doc, s, value, at).length === 0);
    return fits ? [] : [`${at}: ${JSON.stringify(value)} fits none of its anyOf`];
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  }
  const actual =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : Number.isInteger(value)
          ? 'integer'
          : typeof value;
  const expected = schema.type;
  if (expected && expected !== actual && !(expected === 'number' && actual === 'integer')) {
    return [`${at}: is ${actual}, documented as ${expected}`];
  }
  if (Array.isArray(value) && schema.items) {
    return value.flatMap((item, i) => schemaProblems(doc, schema.items ?? {}, item, `${at}[${i}]`));
  }
  if (actual !== 'object' || !schema.properties) return [];
  const object = value as Record<string, unknown>;
  const properties = schema.properties;
  return [
    ...(schema.required ?? [])
      .filter((key) => !(key in object))
      .map((key) => `${at}.${key}: required, missing`),
    ...Object.entries(object).flatMap(([key, v]) => {
      const property = properties[key];
      if (property) return schemaProblems(doc, property, v, `${at}.${key}`);
      return schema.additionalProperties === false || schema.additionalProperties === undefined
        ? [`${at}.${key}: not documented`]
        : [];
    }),
  ];
}
