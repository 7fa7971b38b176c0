import { z } from 'zod';
import { describeKeys, type SchemaNode } from './keyDescriptions';
import { PolicySchema } from './schema';

/**
 * The JSON Schema of `scalepilot.yml`, generated from the zod schema, for editors (yaml-language-server),
 * every key with its description (the schema's own, or `keyDescriptions`).
 */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' }) as SchemaNode;
  describeKeys(schema);
  return { ...schema, title: 'Scalepilot policy (scalepilot.yml)' };
}
