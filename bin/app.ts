#!/usr/bin/env node
/**
 * CDK app entry point (cdk.json "app"). Reads the deployment settings from CDK context
 * (see CONTEXT_KEYS in lib/app-config.ts), builds one `Orderstream-<stage>` stack and runs
 * cdk-nag's AwsSolutions pack: synthesis fails on any unacknowledged finding.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { propsFromContext, stackNameForStage } from '../lib/app-config';
import { DEFAULT_STAGE, OrderstreamStack } from '../lib/orderstream-stack';

const app = new App();
const props = propsFromContext((key) => app.node.tryGetContext(key));
const stage = props.stageName ?? DEFAULT_STAGE;
new OrderstreamStack(app, stackNameForStage(stage), {
  ...props,
  stageName: stage,
  description: `orderstream (${stage}): event-driven order processing on Kinesis + Lambda`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
