import { DEMO_ORDER } from '../bin/local-app';

/** POSTs one order of one unit of `sku` for `customer`; the API's status and, when accepted (202), the orderId. */
export async function postOrder(
  apiUrl: string,
  customer: string,
  sku: string,
): Promise<{ readonly status: number; readonly orderId?: string }> {
  const response = await fetch(`${apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      customerId: customer,
      email: `${customer}@example.com`,
      items: [{ sku, quantity: 1 }],
      shippingAddress: DEMO_ORDER.shippingAddress,
    }),
  });
  const body = (await response.json()) as { orderId?: string };
  return response.status === 202 && body.orderId ? { status: 202, orderId: body.orderId } : { status: response.status };
}
