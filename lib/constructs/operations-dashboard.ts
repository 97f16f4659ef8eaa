import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface OperationsDashboardProps {
  /** Stage name, part of the dashboard name `orderstream-<stage>`. */
  readonly stageName: string;
  /** The HTTP API in front of the API function. */
  readonly httpApi: apigwv2.HttpApi;
  /** Each consumer service with its function. */
  readonly consumers: readonly { readonly service: string; readonly function: lambda.IFunction }[];
  /** Namespace of the Powertools (EMF) metrics, dimension `service`. */
  readonly metricsNamespace: string;
  /**
   * Period of every graph.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/**
 * One CloudWatch dashboard for running orderstream: API traffic and errors, the order
 * outcomes the saga counts, and per consumer how far behind it is (iterator age), whether
 * whole batches fail (errors) and whether single records fail (partial batch responses).
 */
export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const emf = (metricName: string, service: string, label = metricName): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service },
        statistic: 'Sum',
        period,
        label,
      });
    const perConsumer = (
      title: string,
      metric: (c: OperationsDashboardProps['consumers'][number]) => cloudwatch.IMetric,
    ) => new cloudwatch.GraphWidget({ title, left: props.consumers.map(metric), width: 8 });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `orderstream-${props.stageName}`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'API requests and errors',
            left: [
              props.httpApi.metricCount({ statistic: 'Sum', period }),
              props.httpApi.metricClientError({ statistic: 'Sum', period }),
              props.httpApi.metricServerError({ statistic: 'Sum', period }),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'API latency (p99)',
            left: [props.httpApi.metricLatency({ statistic: 'p99', period })],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Orders (saga)',
            left: [
              emf('OrdersStarted', 'saga', 'started'),
              emf('OrdersCompleted', 'saga', 'completed'),
              emf('CompensationsStarted', 'saga', 'compensations started'),
              emf('SagaStepsRedriven', 'saga', 'steps re-driven (deadline passed)'),
              emf('SagaStepsTimedOut', 'saga', 'steps timed out'),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Orders cancelled, by reason',
            left: [
              new cloudwatch.MathExpression({
                expression: `SEARCH('{${props.metricsNamespace},reason,service} MetricName="OrdersCancelled"', 'Sum', ${period.toSeconds()})`,
                label: 'cancelled',
                period,
              }),
            ],
            width: 12,
          }),
        ],
        [
          perConsumer('Iterator age (max ms): how far behind each consumer is', (c) =>
            c.function.metric('IteratorAge', { statistic: 'Maximum', period, label: c.service }),
          ),
          perConsumer('Function errors (whole batches failed)', (c) =>
            c.function.metricErrors({ statistic: 'Sum', period, label: c.service }),
          ),
          perConsumer('Records failed (partial batch responses)', (c) => {
            // Metric ids must be unique within one graph.
            const id = c.service.replace(/[^a-zA-Z0-9]/g, '_');
            return new cloudwatch.MathExpression({
              expression: `failed_${id} + poison_${id}`,
              usingMetrics: {
                [`failed_${id}`]: emf('FailedRecords', c.service),
                [`poison_${id}`]: emf('PoisonRecords', c.service),
              },
              label: c.service,
              period,
            });
          }),
        ],
      ],
    });
  }
}
