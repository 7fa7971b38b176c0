import { predictFunction } from '../../shared/lambda/predictFunction';

/** Forecasts each predictive target's load and pre-scales it (floors, scheduled actions); hourly and on demand. */
export const handler = predictFunction();
