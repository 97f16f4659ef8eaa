import { interpretBatchItemFailures, interpretResult } from '../../../../local/esm/response';

const batch = ['100', '200', '300'];

describe('interpretResult (services-kinesis-batchfailurereporting)', () => {
  test('a function error fails the whole batch', () => {
    expect(interpretResult({ kind: 'error', errorType: 'Sandbox.Timedout', errorMessage: 't' }, batch, true)).toEqual({
      kind: 'failure',
      reason: 'Sandbox.Timedout: t',
    });
  });

  test('without ReportBatchItemFailures any returned value is a success', () => {
    expect(
      interpretResult({ kind: 'success', payload: { batchItemFailures: [{ itemIdentifier: '200' }] } }, batch, false),
    ).toEqual({ kind: 'success' });
  });

  test.each([[null], [undefined], [{}], [{ batchItemFailures: null }], [{ batchItemFailures: [] }]])(
    '%j is a complete success',
    (payload) => {
      expect(interpretBatchItemFailures(payload, batch)).toEqual({ kind: 'success' });
    },
  );

  test('the lowest reported sequence number wins, whatever the order in the list', () => {
    expect(
      interpretBatchItemFailures({ batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }] }, batch),
    ).toEqual({ kind: 'partial', firstFailedIndex: 1 });
  });

  test.each([
    ['empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['null identifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['wrong key name', { batchItemFailures: [{ itemId: '200' }] }],
    ['unknown identifier', { batchItemFailures: [{ itemIdentifier: '999' }] }],
    ['string response', 'failed'],
    ['array response', [{ itemIdentifier: '200' }]],
    ['list that is not a list', { batchItemFailures: { itemIdentifier: '200' } }],
    ['entry that is not an object', { batchItemFailures: ['200'] }],
  ])('%s is a complete failure', (_name, payload) => {
    expect(interpretBatchItemFailures(payload, batch)).toEqual({
      kind: 'failure',
      reason: expect.stringMatching(/^malformed batch response: /),
    });
  });
});
