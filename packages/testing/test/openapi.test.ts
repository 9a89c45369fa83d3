import { responseSchema, schemaProblems, type OpenApiDocument } from '../src/openapi';

const doc: OpenApiDocument = {
  paths: {
    '/things': {
      get: {
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: { type: 'array', items: { $ref: '#/components/schemas/Thing' } },
              },
            },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'state'],
        properties: {
          id: { type: 'string' },
          state: { type: 'string', enum: ['up', 'down'] },
          count: { type: 'integer' },
          ratio: { type: 'number' },
          note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
      },
    },
  },
};
const schema = responseSchema(doc, '/things', 'get');

describe('schemaProblems', () => {
  it('accepts an answer as documented', () => {
    expect(
      schemaProblems(doc, schema, [
        { id: 'a', state: 'up', count: 2, ratio: 2, note: null },
        { id: 'b', state: 'down', ratio: 0.5, note: 'x' },
      ]),
    ).toEqual([]);
  });

  it('names each key, type and value that differs from the document', () => {
    expect(
      schemaProblems(doc, schema, [
        { id: 'a', state: 'sideways', count: 1.5, extra: true },
        { state: 'up', note: 3 },
      ]),
    ).toEqual([
      '$[0].state: "sideways" is not one of ["up","down"]',
      '$[0].count: is number, documented as integer',
      '$[0].extra: not documented',
      '$[1].id: required, missing',
      '$[1].note: 3 fits none of its anyOf',
    ]);
  });

  it('says when the document has no such answer', () => {
    expect(() => responseSchema(doc, '/things', 'post')).toThrow(/documents no JSON body/);
  });
});
