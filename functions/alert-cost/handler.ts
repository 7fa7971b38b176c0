import { costFunction } from '../../shared/lambda/costFunction';

/** Cost alerts: daily spend, anomalies, month-end forecast and the cost of scaling; on its schedules. */
export const handler = costFunction();
