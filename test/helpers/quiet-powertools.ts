// Runs before each test file's imports: Powertools reads these when its instances are built.
// Set ORDERSTREAM_TEST_LOGS=1 to see the functions' structured logs and metrics.
if (!process.env.ORDERSTREAM_TEST_LOGS) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.AWS_REGION ??= 'us-east-1';
// The SDK warns once per process that its 2027 releases need Node 22; Node 20 is what runs
// here (see README), and the warning would repeat in every test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
