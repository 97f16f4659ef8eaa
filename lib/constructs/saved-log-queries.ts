import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Placeholder the operator replaces with the order they look for (saved queries take no parameters). */
export const ORDER_ID_PLACEHOLDER = 'PUT-ORDER-ID-HERE';

export interface SavedLogQueriesProps {
  /** Stage name: the queries are saved under the folder `orderstream-<stage>/`. */
  readonly stageName: string;
  /** The log group of every function: each query runs over all of them. */
  readonly logGroups: readonly logs.ILogGroup[];
}

/**
 * The questions asked while running orderstream, saved as CloudWatch Logs Insights queries over
 * every function's log group. They read the Powertools JSON fields (service, level, orderId,
 * eventType, error) the functions log, and the REPORT line Lambda writes after each invocation.
 */
export class SavedLogQueries extends Construct {
  /** One order's journey: every line that names the order, oldest first. */
  public readonly orderJourney: logs.QueryDefinition;
  /** Failed records (poison or not) and other errors, counted by service, eventType and error. */
  public readonly errorsByService: logs.QueryDefinition;
  /** Invocation durations by function (REPORT lines), slowest p99 first. */
  public readonly slowestHandlers: logs.QueryDefinition;

  public constructor(scope: Construct, id: string, props: SavedLogQueriesProps) {
    super(scope, id);
    if (props.logGroups.length === 0) throw new Error('SavedLogQueries: logGroups must name at least one log group');
    const folder = `orderstream-${props.stageName}`;
    const save = (queryId: string, name: string, queryString: logs.QueryString): logs.QueryDefinition =>
      new logs.QueryDefinition(this, queryId, {
        queryDefinitionName: `${folder}/${name}`,
        queryString,
        logGroups: [...props.logGroups],
      });

    this.orderJourney = save(
      'OrderJourney',
      'order-journey',
      new logs.QueryString({
        fields: ['@timestamp', 'service', 'level', 'message', 'eventType', 'eventId', 'correlationId', 'xray_trace_id'],
        filterStatements: [`orderId = "${ORDER_ID_PLACEHOLDER}"`],
        sort: '@timestamp asc',
        limit: 1000,
      }),
    );
    this.errorsByService = save(
      'ErrorsByService',
      'errors-and-poison-records',
      new logs.QueryString({
        fields: ['service', 'eventType', 'error.name as errorName'],
        filterStatements: ['level = "ERROR" or level = "CRITICAL"'],
        statsStatements: [
          // errorName PoisonRecordError = a record that can never succeed (bad JSON, envelope, payload or version).
          'count(*) as errors, count_distinct(orderId) as orders, latest(orderId) as lastOrderId ' +
            'by service, eventType, errorName',
        ],
        sort: 'errors desc',
      }),
    );
    this.slowestHandlers = save(
      'SlowestHandlers',
      'slowest-handlers',
      new logs.QueryString({
        filterStatements: ['@type = "REPORT"'],
        statsStatements: [
          'count(*) as invocations, avg(@duration) as avgMs, pct(@duration, 99) as p99Ms, max(@duration) as maxMs, ' +
            'count(@initDuration) as coldStarts by @log',
        ],
        sort: 'p99Ms desc',
      }),
    );
  }
}
