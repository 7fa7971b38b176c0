import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { scalerFunction } from '../../shared/lambda/scalerFunction';

/** Adds and removes RDS read replicas: invoked by their alarms (directly or through SNS) and every minute. */
export const handler = scalerFunction('rds-replicas', (aws) => new RdsReplicaCapacity(aws));
