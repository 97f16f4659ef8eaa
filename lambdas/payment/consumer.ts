import type { EventPublisher } from '../ports/event-publisher';
import type { Log } from '../ports/log';
import type { OutcomeLedger } from '../ports/outcome-ledger';
import type { PaymentGateway } from '../ports/payment-gateway';
import { createStreamConsumer, type StreamConsumerHandler } from '../runtime/stream-consumer';
import { PaymentService } from './payment-service';

export interface PaymentConsumerDeps {
  readonly gateway: PaymentGateway;
  /** Remembers each charge and refund, so a record that comes again does not repeat it. */
  readonly ledger: OutcomeLedger;
  readonly publisher: EventPublisher;
  readonly log: Pick<Log, 'info' | 'warn'>;
}

/** The payment consumer: charges on PROCESS_PAYMENT, refunds on REFUND_PAYMENT (compensation). */
export function createPaymentConsumer(deps: PaymentConsumerDeps): StreamConsumerHandler {
  const payments = new PaymentService(deps.gateway, deps.ledger, deps.publisher, deps.log);
  return createStreamConsumer({
    handlers: {
      PROCESS_PAYMENT: (event) => payments.processPayment(event),
      REFUND_PAYMENT: (event) => payments.refundPayment(event),
    },
  });
}
