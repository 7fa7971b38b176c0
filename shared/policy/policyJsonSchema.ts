import { z } from 'zod';
import { PolicySchema } from './schema';

/** The JSON Schema of `scalepilot.yml`, generated from the zod schema, for editors (yaml-language-server). */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'Scalepilot policy (scalepilot.yml)',
  };
}
