import {
  currentFamily,
  ENGINE_FAMILIES,
  type EngineFamily,
  type PriceTable,
} from '../../shared/cost/priceTable';
import type { Target } from '../../shared/policy/schema';

/**
 * The types to price by family: every type the table has (a legacy family's, `rds` or `elasticache`, under
 * PostgreSQL's or Redis OSS's), and the policy's instance types, and its replica classes and node types at every
 * engine of their kind: a target's engine is its resource's, which the policy does not name and `prices`, which
 * asks the Price List API only, does not read.
 */
export function wantedPriceTypes(
  table: PriceTable,
  targets: readonly Target[],
): Record<'ec2' | EngineFamily, Set<string>> {
  const engines = Object.keys(ENGINE_FAMILIES) as EngineFamily[];
  const wanted = Object.fromEntries(['ec2', ...engines].map((f) => [f, new Set<string>()])) as Record<
    'ec2' | EngineFamily,
    Set<string>
  >;
  for (const families of Object.values(table.regions))
    for (const [family, types] of Object.entries(families))
      for (const t of Object.keys(types ?? {})) wanted[currentFamily(family as keyof typeof families)].add(t);
  const ofService = (service: string) => engines.filter((f) => f.startsWith(`${service}:`));
  for (const t of targets) {
    if (t.kind === 'asg' && t.instanceType) wanted.ec2.add(t.instanceType);
    if (t.kind === 'rds-replicas' && t.replicaInstanceClass)
      for (const f of ofService('rds')) wanted[f].add(t.replicaInstanceClass);
    if (t.kind === 'cache-shards' && t.nodeType)
      for (const f of ofService('elasticache')) wanted[f].add(t.nodeType);
  }
  return wanted;
}
