import type { ReasonCode } from './types';

/** The name a kind's gate goes by in an explanation, from the reason it gave. */
const KIND_GATE_BY_REASON: Partial<Record<ReasonCode, string>> = {
  ReplicaLagging: 'replicaLag',
  WouldReAlarm: 'wouldReAlarm',
  InsufficientMemoryHeadroom: 'memoryHeadroom',
  NoRemovableShard: 'shardsKept',
  ShardPrimaryUnknown: 'primary',
  ReshardBlockedByCpu: 'reshardCpu',
  SourceNotAvailable: 'sourceAvailable',
  Draining: 'drain',
  DrainCancelled: 'drain',
  DeletionProtected: 'deletionProtection',
  NotOwned: 'ownership',
  OtherStageReplicas: 'ownership',
  ShardsAndReplicasExclusive: 'oneOperation',
  CacheShardsUnsupported: 'prerequisites',
  ReplacementsExhausted: 'replacements',
  ReplacingFailedReplica: 'replacements',
  RemovingFailedReplica: 'replacements',
  ReaderDiscoverySynced: 'readerDiscovery',
  ScaleOutCooldown: 'cooldown',
  ScaleInCooldown: 'cooldown',
  AtMaxCapacity: 'bounds',
  ReplicasScaledOut: 'replicas',
  ReplicasScaledIn: 'replicas',
  CapacityShortfall: 'launches',
  LaunchHeldInHook: 'launchHook',
  ScaleInProtected: 'scaleInProtection',
  ScalingPolicyConflict: 'otherAutoscaler',
  GroupNotTagged: 'grant',
};

/** The name a kind's gate goes by in an explanation: one name whether the gate held or passed with a note. */
export function kindGateName(reason: ReasonCode): string {
  return KIND_GATE_BY_REASON[reason] ?? 'kind';
}
