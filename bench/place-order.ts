/** The shipping address of every benchmark order. */
export const BENCH_ADDRESS = {
  name: 'Ada Lovelace',
  line1: '1 Analytical St',
  city: 'London',
  postalCode: 'N1 1AA',
  country: 'GB',
} as const;

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
      shippingAddress: BENCH_ADDRESS,
    }),
  });
  const body = (await response.json()) as { orderId?: string };
  return response.status === 202 && body.orderId ? { status: 202, orderId: body.orderId } : { status: response.status };
}
