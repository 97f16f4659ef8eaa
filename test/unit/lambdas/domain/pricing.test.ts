import { findShortfalls } from '../../../../lambdas/domain/inventory';
import { CURRENCY, mergeLines, priceOrder } from '../../../../lambdas/domain/pricing';

describe('pricing', () => {
  it('prices every line from the catalogue and sums the total in cents', () => {
    // Prepare
    const prices = new Map([
      ['A', 1250],
      ['B', 499],
    ]);

    // Act
    const result = priceOrder(
      [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ],
      prices,
    );

    // Assess
    expect(result).toEqual({
      ok: true,
      items: [
        { sku: 'A', quantity: 2, unitPriceCents: 1250 },
        { sku: 'B', quantity: 3, unitPriceCents: 499 },
      ],
      totalCents: 2 * 1250 + 3 * 499,
      currency: CURRENCY,
    });
  });

  it('merges repeated SKUs into one line, keeping first-appearance order', () => {
    // Act
    const merged = mergeLines([
      { sku: 'B', quantity: 1 },
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 4 },
    ]);

    // Assess
    expect(merged).toEqual([
      { sku: 'B', quantity: 5 },
      { sku: 'A', quantity: 2 },
    ]);
  });

  it('fails with every SKU the catalogue does not know', () => {
    // Act
    const result = priceOrder(
      [
        { sku: 'A', quantity: 1 },
        { sku: 'X', quantity: 1 },
        { sku: 'Y', quantity: 1 },
      ],
      new Map([['A', 1]]),
    );

    // Assess
    expect(result).toEqual({ ok: false, unknownSkus: ['X', 'Y'] });
  });

  it('prices a free item at zero', () => {
    // Act
    const result = priceOrder([{ sku: 'FREE', quantity: 3 }], new Map([['FREE', 0]]));

    // Assess
    expect(result).toMatchObject({ ok: true, totalCents: 0 });
  });
});

describe('inventory shortfalls', () => {
  it('lists the lines stock cannot cover, an unknown SKU counting as zero available', () => {
    // Act
    const short = findShortfalls(
      [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 5 },
        { sku: 'C', quantity: 1 },
      ],
      new Map([
        ['A', 2],
        ['B', 4],
      ]),
    );

    // Assess
    expect(short).toEqual([
      { sku: 'B', requested: 5, available: 4 },
      { sku: 'C', requested: 1, available: 0 },
    ]);
  });
});
