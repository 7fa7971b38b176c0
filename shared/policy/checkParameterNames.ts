import type { PolicyProblem } from '../errors';
import { describePath, isRecord } from './describePath';

/** Scalepilot's own parameters (the stages' kill switches, `/scalepilot/<stage>/paused`) live under this path. */
const OWN_PATH = '/scalepilot/';

/**
 * Each RDS target's reader-discovery parameter, which its scaler overwrites after every change (and its role may
 * `ssm:PutParameter`): not one of Scalepilot's own (a stage's kill switch, overwritten with endpoints, pauses or
 * unpauses it), not the webhook's (its URL would be lost), and not another target's (each would overwrite the
 * other's endpoints).
 */
export function checkParameterNames(raw: Record<string, unknown>): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (!Array.isArray(raw.targets)) return problems;
  const webhook = isRecord(raw.notifications) ? raw.notifications.webhookParameterName : undefined;
  const firstTarget = new Map<string, number>();
  raw.targets.forEach((target, i) => {
    const discovery = isRecord(target) ? target.readerDiscovery : undefined;
    const name = isRecord(discovery) ? discovery.ssmParameterName : undefined;
    if (typeof name !== 'string') return;
    const report = (message: string) =>
      problems.push({
        path: describePath(raw, ['targets', i, 'readerDiscovery', 'ssmParameterName']),
        message,
      });
    const first = firstTarget.get(name);
    if (name.startsWith(OWN_PATH))
      report(
        `"${name}" is under ${OWN_PATH}, which Scalepilot keeps for its own parameters (a stage's kill switch): the RDS scaler would overwrite it with endpoints`,
      );
    else if (name === webhook)
      report(
        `"${name}" is notifications.webhookParameterName: the RDS scaler would overwrite the webhook's URL`,
      );
    else if (first !== undefined)
      report(`"${name}" is already written by targets[${first}]; each would overwrite the other's endpoints`);
    else firstTarget.set(name, i);
  });
  return problems;
}
