import type { Policy, Target } from './schema';

/**
 * The target with the blast-radius cap the scaler applies to it: its own `maxUnitsPerDecision`, else the
 * policy's. A replay of one target (`backtest --policy`, `tune --policy`) runs it without the policy around it,
 * and a policy capping every change at one unit was replayed as if uncapped.
 */
export function withPolicyCap<T extends Target>(target: T, policy: Pick<Policy, 'maxUnitsPerDecision'>): T {
  return target.maxUnitsPerDecision === undefined
    ? { ...target, maxUnitsPerDecision: policy.maxUnitsPerDecision }
    : target;
}
