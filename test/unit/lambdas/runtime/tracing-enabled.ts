// Imported first by the tracing tests: Powertools Tracer decides at construction whether it traces,
// and traces only inside a Lambda execution environment (AWS_EXECUTION_ENV) with tracing on.
process.env.POWERTOOLS_TRACE_ENABLED = 'true';
process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
// No X-Ray daemon here: the SDK would otherwise log each closed subsegment it cannot send.
process.env.AWS_XRAY_LOG_LEVEL = 'silent';
