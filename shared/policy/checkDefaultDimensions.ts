import type { PolicyProblem } from '../errors';
import { describePath, isRecord } from './describePath';
import { defaultDimensionByKind, namespacesByKind } from './targetResource';

/**
 * A rule without dimensions of its own is read, and alarmed on, by its target's resource (metricDimensions).
 * An AWS namespace that publishes no such dimension has no such series: the alarm would never fire and every
 * read would find no datapoint, so the target would never scale. Such a rule must name its dimensions. A
 * namespace outside `AWS/` (the CloudWatch agent's, the operator's own) may carry the target's dimension.
 */
export function checkDefaultDimensions(raw: unknown): PolicyProblem[] {
  if (!isRecord(raw) || !Array.isArray(raw.targets)) return [];
  return raw.targets.flatMap((target, i) => {
    if (!isRecord(target) || !Array.isArray(target.rules)) return [];
    const kind = target.kind as keyof typeof namespacesByKind;
    const published: readonly string[] | undefined = namespacesByKind[kind];
    if (!published) return [];
    const dimension =
      kind === 'rds-replicas' && target.aurora === true
        ? 'DBClusterIdentifier'
        : defaultDimensionByKind[kind];
    return target.rules.flatMap((rule, j) => {
      const metric = isRecord(rule) && isRecord(rule.metric) ? rule.metric : undefined;
      const namespace = metric?.namespace;
      if (typeof namespace !== 'string' || metric?.dimensions !== undefined) return [];
      if (!namespace.startsWith('AWS/') || published.includes(namespace)) return [];
      return [
        {
          path: describePath(raw, ['targets', i, 'rules', j, 'metric', 'dimensions']),
          message: `${namespace} publishes no ${dimension} dimension, so without dimensions of its own this rule's alarm never fires and its reads find no datapoint: name the metric's dimensions (the queue, the load balancer …)`,
        },
      ];
    });
  });
}
