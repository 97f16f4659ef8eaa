/**
 * Local IAM enforcement: the policy grammar, the evaluator, and the authorizations each DynamoDB/Kinesis call
 * needs. One import for the runtime, which wires them to the roles of the synthesized template.
 */

export * from './evaluate';
export * from './policy';
export * from './request-actions';
