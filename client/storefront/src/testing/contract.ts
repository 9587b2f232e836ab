// The API's document, openapi/openapi.json, as a checker of the FakeStore's answers, as
// test/support/contract.ts is of the real service's in the jest suite: status, content type,
// headers and body must be ones the document allows for the operation. FakeStore checks every
// answer; a violation rejects the request and fails the test (see setup.ts).
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import openapi from '../../../../openapi/openapi.json';

type Schema = Record<string, unknown>;
interface Header {
  required?: boolean;
  schema?: Schema;
}
interface Answer {
  content?: Record<string, { schema?: Schema }>;
  headers?: Record<string, Header | { $ref: string }>;
}
interface Document {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, Answer> }>>;
  components: { headers: Record<string, Header> };
}

const document = openapi as unknown as Document;

// OpenAPI 3.0 schemas: `example` is not a JSON Schema keyword, and Ajv reads `nullable` itself.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, 'openapi');

const validators = new Map<string | Schema, ValidateFunction>();

/** A compiled validator for `schema`, or for the document's schema at the JSON pointer given. */
function validator(schema: Schema | string): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(typeof schema === 'string' ? { $ref: `openapi#${schema}` } : schema);
    validators.set(schema, validate);
  }
  return validate;
}

/** The JSON pointer to a place in the document, as a URI fragment. */
const pointer = (...path: string[]) =>
  path
    .map((part) => `/${encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1'))}`)
    .join('');

// Literal paths before templated ones, so that /products/events is not /products/{id}.
const routes = Object.keys(document.paths)
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params);

/** The service answers every request with its id, documented or not (the router's answers). */
const EVERY_ANSWER: Answer['headers'] = {
  'x-request-id': { $ref: '#/components/headers/x-request-id' },
};

const mediaType = (contentType: string | null) =>
  (contentType ?? '').split(';')[0].trim().toLowerCase();

/**
 * What is wrong with an answer to `method path` according to the document: [] when nothing.
 * An answer to no documented operation (an unknown route) must be a problem document.
 */
export async function violations(
  method: string,
  path: string,
  response: Response,
): Promise<string[]> {
  const verb = method.toLowerCase();
  const route = routes.find(({ pattern }) => pattern.test(path));
  const operation = route && document.paths[route.template][verb];
  const status = String(response.status);
  const expected: Answer | undefined = operation
    ? operation.responses[status]
    : response.status >= 400
      ? { content: { 'application/problem+json': {} } }
      : undefined;
  if (!expected) {
    return [
      operation
        ? `status ${status} is not documented for ${operation.operationId} ` +
          `(documented: ${Object.keys(operation.responses).join(', ')})`
        : `${method} ${path} answered ${status} but is not in the document`,
    ];
  }

  const problems: string[] = [];
  for (const [name, header] of Object.entries({ ...EVERY_ANSWER, ...expected.headers })) {
    const { required, schema } =
      '$ref' in header ? document.components.headers[header.$ref.split('/').pop()!] : header;
    const value = response.headers.get(name);
    if (value === null) {
      if (required) problems.push(`no ${name} header`);
      continue;
    }
    if (!schema) continue;
    const validate = validator(schema);
    if (!validate(['integer', 'number'].includes(schema.type as string) ? Number(value) : value)) {
      problems.push(
        `header ${name}: ${JSON.stringify(value)} ` +
          ajv.errorsText(validate.errors, { dataVar: name }),
      );
    }
  }

  const type = mediaType(response.headers.get('content-type'));
  const text = await response.clone().text();
  if (!expected.content) {
    if (text !== '') problems.push(`a body, where ${status} documents none`);
    return problems;
  }
  if (!(type in expected.content)) {
    problems.push(
      `content type ${type || '(none)'} is not documented for ${status} ` +
        `(documented: ${Object.keys(expected.content).join(', ')})`,
    );
    return problems;
  }
  // A JSON body is checked as what it parses to; any other (the event stream's) as its text.
  const isJson = type === 'application/json' || type.endsWith('+json');
  let body: unknown = text;
  try {
    if (isJson) body = JSON.parse(text);
  } catch {
    return [...problems, `the body is not JSON: ${text.slice(0, 200)}`];
  }
  const validate = validator(
    operation
      ? pointer('paths', route.template, verb, 'responses', status, 'content', type, 'schema')
      : pointer('components', 'schemas', 'ProblemDetailsDto'),
  );
  if (!validate(body)) {
    problems.push(
      `the body does not match the ${status} schema: ` +
        ajv.errorsText(validate.errors, { dataVar: 'body' }) +
        `\n  body: ${text.slice(0, 500)}`,
    );
  }
  // RFC 9457: a problem document's `status` is the status it was answered with.
  const stated = type === 'application/problem+json' && (body as { status?: unknown })?.status;
  if (stated !== false && stated !== response.status) {
    problems.push(`the problem's status ${String(stated)} is not the answer's ${status}`);
  }
  return problems;
}

let found: string[] = [];

/**
 * Checks an answer of the FakeStore: a violation is kept for {@link takeViolations} (which fails
 * the test) and thrown, so that the request rejects where it was made.
 */
export async function assertConforms(request: Request, response: Response): Promise<void> {
  const path = new URL(request.url).pathname;
  const wrong = await violations(request.method, path, response);
  if (wrong.length === 0) return;
  const message =
    `FakeStore answered what openapi/openapi.json does not allow: ${request.method} ${path} -> ` +
    `${response.status}\n- ${wrong.join('\n- ')}`;
  found.push(message);
  throw new Error(message);
}

/** The violations found since the last call, and forgets them. */
export function takeViolations(): string[] {
  const taken = found;
  found = [];
  return taken;
}
