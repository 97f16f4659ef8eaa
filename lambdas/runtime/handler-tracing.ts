import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/**
 * Runs a Lambda handler inside a `## <handler>` subsegment, as Powertools' `captureLambdaHandler`
 * does (without middy or a class decorator): on AWS the active segment is Lambda's facade, which
 * takes no annotations (Tracer warns and drops them), so ColdStart, Service and whatever the handler
 * annotates must land on a subsegment. An error is recorded on it before it propagates. The
 * response is NOT put in the trace (it holds personal data). With tracing off, the handler runs bare.
 */
export function traceHandler<E, R>(
  tracer: Tracer,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    if (!tracer.isTracingEnabled()) return handler(event, context);
    const facade = tracer.getSegment();
    if (!facade) return handler(event, context);
    const subsegment = facade.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    tracer.setSegment(subsegment);
    try {
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      return await handler(event, context);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment.close();
      tracer.setSegment(facade);
    }
  };
}
