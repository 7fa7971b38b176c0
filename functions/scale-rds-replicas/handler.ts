import { Logger } from '@aws-lambda-powertools/logger';
import { rdsReplicaScaler } from '../../shared/adapters/RdsReplicaCapacity';
import { scalerFunction } from '../../shared/lambda/scalerFunction';
import { serviceByKind } from '../../shared/policy/targetResource';

/** Every create attempt (a fallback class or AZ, a taken name) is logged, whatever becomes of the create. */
const attempts = new Logger({ serviceName: serviceByKind['rds-replicas'] });

/** Adds and removes RDS read replicas: invoked by their alarms (directly or through SNS) and every minute. */
export const handler = scalerFunction('rds-replicas', (aws, stage) =>
  rdsReplicaScaler(aws, {
    stage,
    onAttempt: (attempt) => attempts.info('replica create attempt', { ...attempt }),
  }),
);
