// A small JSON Schema checker for the benchmark's own schema (bench/results.schema.json), so the
// report can be validated without a dependency. It knows exactly the keywords listed below and
// rejects a schema that uses any other, rather than silently ignoring a rule.

type Schema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const RULES = new Set([
  'type',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minItems',
  'minimum',
  'exclusiveMinimum',
  'minLength',
  'pattern',
  '$ref',
]);

/**
 * Checks `value` against `schema` (draft 2020-12 subset; `$ref` only to "#/$defs/<name>" of the
 * root). Returns one message per violation, each starting with the JSON pointer of the value
 * ("" = the root); an empty list means valid.
 */
export function checkAgainstSchema(value: unknown, schema: Schema): string[] {
  const errors: string[] = [];
  visit(value, schema, '', schema, errors);
  return errors;
}

function visit(value: unknown, schema: Schema, pointer: string, root: Schema, errors: string[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !RULES.has(keyword)) {
      throw new Error(`schema-check: unsupported keyword "${keyword}" at schema for "${pointer}"`);
    }
  }
  const fail = (message: string) => errors.push(`${pointer || '(root)'}: ${message}`);

  if (typeof schema.$ref === 'string') {
    visit(value, resolveRef(schema.$ref, root), pointer, root, errors);
  }
  if (schema.type !== undefined) {
    const allowed = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!allowed.some((type) => hasType(value, type))) {
      fail(`expected ${allowed.join(' or ')}, got ${describe(value)}`);
      return; // the other rules assume the type
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => option === value)) {
    fail(`expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && !(value >= schema.minimum)) fail(`${value} is below the minimum ${schema.minimum}`);
    if (typeof schema.exclusiveMinimum === 'number' && !(value > schema.exclusiveMinimum)) {
      fail(`${value} must be greater than ${schema.exclusiveMinimum}`);
    }
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) fail(`shorter than ${schema.minLength} characters`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      fail(`${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      fail(`needs at least ${schema.minItems} items, has ${value.length}`);
    if (schema.items && typeof schema.items === 'object') {
      value.forEach((item, index) => visit(item, schema.items as Schema, `${pointer}/${index}`, root, errors));
    }
  }
  if (isObject(value)) {
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!(name in value)) fail(`missing required property "${name}"`);
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [name, item] of Object.entries(value)) {
      const path = `${pointer}/${name}`;
      if (name in properties) visit(item, properties[name], path, root, errors);
      else if (schema.additionalProperties === false) fail(`unexpected property "${name}"`);
      else if (isObject(schema.additionalProperties)) visit(item, schema.additionalProperties, path, root, errors);
    }
  }
}

function resolveRef(ref: string, root: Schema): Schema {
  const match = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(ref);
  const target = match ? (root.$defs as Record<string, Schema> | undefined)?.[match[1]] : undefined;
  if (!target) throw new Error(`schema-check: cannot resolve $ref "${ref}" (only "#/$defs/<name>" is supported)`);
  return target;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`schema-check: unknown type "${type}"`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}
