/**
 * App-agnostic request authentication for the local runtime: SigV4 verification (IAM routes, and the proxy that
 * attributes DynamoDB / Kinesis calls to a function's role) and API Gateway's JWT authorizer with a local issuer.
 */
export {
  apiGatewayIamFailure,
  awsJsonAuthFailure,
  MISMATCH_MESSAGE,
  UNKNOWN_KEY_MESSAGE,
  verifySigV4,
  type LocalCredential,
  type SignedRequest,
  type SigV4Failure,
  type SigV4Rejection,
  type SigV4Result,
  type VerifySigV4Options,
} from './sigv4';
export {
  authorizeJwt,
  LocalJwtIssuer,
  type JwtAuthorizerConfig,
  type JwtAuthorizerResult,
  type SignClaims,
} from './jwt';
