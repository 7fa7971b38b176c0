import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { scalerFunction } from '../../shared/lambda/scalerFunction';

/** Scales EC2 Auto Scaling groups: invoked by their alarms (directly or through SNS) and every minute. */
export const handler = scalerFunction('asg', (aws) => new AutoScalingCapacity(aws));
