import { stackNameForStage } from '../../../local/synth';

describe('stackNameForStage', () => {
  it('names the stack Orderstream-<stage>, as the CDK app and the local runtime both name it', () => {
    expect(stackNameForStage('prod')).toBe('Orderstream-prod');
  });
});
