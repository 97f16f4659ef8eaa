/**
 * App-agnostic request authentication for the local runtime: SigV4 verification (IAM routes, and the proxy that
 * attributes DynamoDB / Kinesis calls to a function's role) and API Gateway's JWT authorizer with a local issuer.
 */

export {
  authorizeJwt,
  type JwtAuthorizerConfig,
  type JwtAuthorizerResult,
  LocalJwtIssuer,
  type SignClaims,
} from './jwt';
export {
  apiGatewayIamFailure,
  awsJsonAuthFailure,
  type LocalCredential,
  MISMATCH_MESSAGE,
  type SignedRequest,
  type SigV4Failure,
  type SigV4Rejection,
  type SigV4Result,
  UNKNOWN_KEY_MESSAGE,
  type VerifySigV4Options,
  verifySigV4,
} from './sigv4';
