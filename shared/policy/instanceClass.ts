import { z } from 'zod';

/**
 * An instance family and a size as AWS writes them, lowercase: `m7g`, `x2iedn`, `u-6tb1`, `m7i-flex`; `large`,
 * `2xlarge`, `metal-24xl` ("the instance family is everything before the period", EC2's naming conventions).
 */
const FAMILY = '[a-z][a-z0-9]*(?:-[a-z0-9]+)*';
const SIZE = '[a-z0-9]+(?:-[a-z0-9]+)*';

/** Each service's form of a type name, as its documentation gives it. */
const FORMS = {
  ec2: {
    what: 'an EC2 instance type',
    form: 'family.size',
    example: 'm7g.large',
    pattern: new RegExp(`^${FAMILY}\\.${SIZE}$`),
  },
  // RDS for Oracle's preconfigured classes add threads per core and a memory ratio: db.r5b.4xlarge.tpc2.mem2x.
  rds: {
    what: 'an RDS instance class',
    form: 'db.family.size',
    example: 'db.r6g.large',
    pattern: new RegExp(`^db\\.${FAMILY}\\.${SIZE}(?:\\.tpc\\d\\.mem\\d+x)?$`),
  },
  elasticache: {
    what: 'an ElastiCache node type',
    form: 'cache.family.size',
    example: 'cache.r7g.large',
    pattern: new RegExp(`^cache\\.${FAMILY}\\.${SIZE}$`),
  },
} as const;

/** The longest type name a policy may give: the longest AWS has is under 30 characters. */
const MAX_LENGTH = 64;

/**
 * One instance type (EC2), DB instance class (RDS) or cache node type (ElastiCache), in its service's form. Any
 * text was taken: `*` or `m7g.*` priced nothing in the cost report (no type is named so) and an RDS replica of
 * class `large` failed at CreateDBInstanceReadReplica, at the first scale-out.
 */
export function instanceClass(service: keyof typeof FORMS) {
  const { what, form, example, pattern } = FORMS[service];
  const error = (iss: { readonly input?: unknown }) => {
    const text = String(iss.input);
    const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
    // Aurora Serverless v2's class is no family.size: its readers scale in ACUs, which Scalepilot does not count.
    if (text === 'db.serverless')
      return `${shown}: must be a provisioned ${what.replace('an ', '')} (${form} such as ${example}): Serverless v2 readers scale themselves in ACUs, which Scalepilot does not count`;
    return `${shown}: must be ${what}, ${form} such as ${example}${/[*?]/.test(text) ? ', not a wildcard' : ''}`;
  };
  return z
    .string()
    .max(MAX_LENGTH, `must be at most ${MAX_LENGTH} characters (${what})`)
    .regex(pattern, { error });
}
