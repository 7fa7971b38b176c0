import { z } from 'zod';

/** A target's, plan's or event's name in the policy: it goes into resource names, alarm names and the ledger. */
export const policyName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,39}$/,
    'must be 1-40 lowercase letters, digits or dashes, starting with a letter or digit',
  );
