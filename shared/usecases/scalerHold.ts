import type { AsgTarget } from '../policy/schema';
import type { Ledger } from '../ports';

/**
 * Why the scaler holds a group's scale-outs now, so that predict puts no MinSize raise on it either: a raise
 * pulls desired up at AWS's end, around the scaler's own gates (review s51). The group's own scaling policies
 * change its capacity (the scaler refuses it, `ScalingPolicyConflict`: its record keeps their ARNs), or its
 * Launch process is suspended (the scaler holds its scale-outs; a raise would launch the moment Launch resumes,
 * on a forecast made before). Undefined: no hold.
 */
export async function scalerHold(
  deps: { readonly ledger: Pick<Ledger, 'read'> },
  target: AsgTarget,
  group: { readonly launchSuspended?: boolean },
): Promise<string | undefined> {
  if (group.launchSuspended) return 'its Launch process is suspended';
  const record = await deps.ledger.read(target.name);
  if ((record.scalingPolicyArns?.length ?? 0) > 0)
    return 'its own scaling policies change its capacity (ScalingPolicyConflict)';
  return undefined;
}
